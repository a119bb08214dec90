// Whole models on CUDA (support/device_model_tests.h).
#include "support/device_model_tests.h"

#include <QTest>

using namespace rwkv;

namespace {

// Prefill with 16-bit weights rounds activations to the weight type for the tensor cores
// (fp16 keeps 11 bits, bf16 8); fp32 weights and decode keep fp32 activations.
double referenceTolerance(DType weights) { return weights == DType::BF16 ? 1e-2 : weights == DType::F16 ? 2e-3 : 1e-3; }
// That rounding, per matmul NMSE ≈ u²/3 (test_cuda_kernels), compounded over the layers.
double cpuNmse(DType weights) { return weights == DType::BF16 ? 5e-4 : weights == DType::F16 ? 1e-5 : 1e-9; }

} // namespace

class TestCudaModel : public test::DeviceModelTests {
    Q_OBJECT

public:
    TestCudaModel() : DeviceModelTests(test::kCuda, {referenceTolerance, cpuNmse}) {}
};

QTEST_GUILESS_MAIN(TestCudaModel)
#include "test_cuda_model.moc"
