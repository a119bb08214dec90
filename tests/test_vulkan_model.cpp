// Whole models on Vulkan (support/device_model_tests.h), and Vulkan's device id errors.
#include "support/qt_device_model_tests.h"

#include <QTest>

using namespace rwkv::test;

class TestVulkanModel : public QtDeviceModelTests {
    Q_OBJECT

public:
    TestVulkanModel() : QtDeviceModelTests(kVulkan) {}

private slots:
    void missingDeviceIsAClearError() { m_tests->missingDeviceIsAClearError(); }
};

QTEST_GUILESS_MAIN(TestVulkanModel)
#include "test_vulkan_model.moc"
