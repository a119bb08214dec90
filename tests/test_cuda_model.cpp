// Whole models on CUDA (support/device_model_tests.h).
#include "support/qt_device_model_tests.h"

#include <QTest>

using namespace rwkv::test;

class TestCudaModel : public QtDeviceModelTests {
    Q_OBJECT

public:
    TestCudaModel() : QtDeviceModelTests(kCuda) {}
};

QTEST_GUILESS_MAIN(TestCudaModel)
#include "test_cuda_model.moc"
