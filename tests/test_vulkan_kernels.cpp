// The Device kernels on Vulkan against the CPU backend (support/device_kernel_tests.h), and
// what only the Vulkan backend checks.
#include "support/qt_device_kernel_tests.h"

#include <QtTest>

using namespace rwkv::test;

class TestVulkanKernels : public QtDeviceKernelTests {
    Q_OBJECT

public:
    TestVulkanKernels() : QtDeviceKernelTests(kVulkan) {}

private slots:
    void foreignPointerRefused() { m_tests->foreignPointerRefused(); }
};

QTEST_GUILESS_MAIN(TestVulkanKernels)
#include "test_vulkan_kernels.moc"
