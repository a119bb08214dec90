// The Device kernels on Vulkan against the CPU backend (support/device_kernel_tests.h), and
// what only the Vulkan backend checks.
#include "core/error.h"
#include "support/device_kernel_tests.h"

#include <QtTest>

using namespace rwkv;

namespace {

// Both backends compute in fp32 from the same inputs; they differ in summation order and in
// the GPU's exp/tanh/inversesqrt (a few ulp, ~1e-7 relative), i.e. NMSE ~1e-13 on lavapipe.
// The bounds leave room for GPU drivers and for exp(-exp(x)), which amplifies its input's
// rounding, and are still far below what a wrong index or a skipped element gives (NMSE ~1).
constexpr double kMathNmse = 1e-10;

// fp16/bf16 decode exactly on both sides, but Vulkan lets a driver flush fp16 subnormals
// (valid small weights) unless denormals are requested, hence more room.
double matmulNmse(DType weights, int /*tokens*/) { return weights == DType::F32 ? kMathNmse : 1e-9; }

} // namespace

class TestVulkanKernels : public test::DeviceKernelTests {
    Q_OBJECT

public:
    TestVulkanKernels()
        : DeviceKernelTests(test::kVulkan, {matmulNmse, kMathNmse, kMathNmse, kMathNmse, kMathNmse, kMathNmse})
    {
    }

private slots:
    // Memory the device did not allocate is refused, not written.
    void foreignPointerRefused()
    {
        std::vector<float> host(4);
        QVERIFY_THROWS_EXCEPTION(Error, m_gpu->upload(test::view(host, 1, 4), host.data()));
    }
};

QTEST_GUILESS_MAIN(TestVulkanKernels)
#include "test_vulkan_kernels.moc"
