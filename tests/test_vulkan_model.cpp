// Whole models on Vulkan (support/device_model_tests.h), and Vulkan's device id errors.
#include "core/error.h"
#include "support/device_model_tests.h"

#include <QTest>

using namespace rwkv;

namespace {

// Same tolerance as test_reference_parity against the official package.
double referenceTolerance(DType /*weights*/) { return 1e-3; }
// Both compute in fp32 from the same stored weights, so only summation order differs.
double cpuNmse(DType /*weights*/) { return 1e-9; }

} // namespace

class TestVulkanModel : public test::DeviceModelTests {
    Q_OBJECT

public:
    TestVulkanModel() : DeviceModelTests(test::kVulkan, {referenceTolerance, cpuNmse}) {}

private slots:
    void missingDeviceIsAClearError()
    {
        try {
            createDevice("vulkan:99");
            QFAIL("vulkan:99 was created");
        } catch (const Error& e) {
            QCOMPARE(e.code(), ErrorCode::InvalidArgument);
            QVERIFY2(std::string(e.what()).find("vulkan:99") != std::string::npos, e.what());
        }
        QVERIFY_THROWS_EXCEPTION(Error, createDevice("vulkan:x"));
    }
};

QTEST_GUILESS_MAIN(TestVulkanModel)
#include "test_vulkan_model.moc"
