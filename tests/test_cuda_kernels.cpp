// The Device kernels on CUDA against the CPU backend (support/device_kernel_tests.h), and
// what only the CUDA backend has: CUDA graph replay and out-of-memory errors.
#include "support/qt_device_kernel_tests.h"

#include <QtTest>

using namespace rwkv::test;

class TestCudaKernels : public QtDeviceKernelTests {
    Q_OBJECT

public:
    TestCudaKernels() : QtDeviceKernelTests(kCuda) {}

private slots:
    void repeatedSequenceReplays() { m_tests->repeatedSequenceReplays(); }
    void outOfMemoryIsAnError() { m_tests->outOfMemoryIsAnError(); }
};

QTEST_GUILESS_MAIN(TestCudaKernels)
#include "test_cuda_kernels.moc"
