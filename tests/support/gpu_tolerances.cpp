#include "support/gpu_tolerances.h"

#include <string_view>

namespace rwkv::test {

namespace {

namespace cuda {

// GEMV and fp32 GEMM read the same rounded weights as the CPU and sum in fp32: only the order
// of summation differs. Prefill with 16-bit weights also rounds the activations to the weight
// type for the tensor cores: NMSE ≈ u²/3 (u = 2⁻¹¹ fp16, 2⁻⁸ bf16), with 10× headroom. int8 /
// q4 prefill rounds both the activations and the decoded weights to fp16: twice that.
double matmul(DType weights, int T)
{
    if (weights == DType::F32) return 1e-10;
    if (T <= 4) return 1e-9;
    if (isQuantized(weights)) return 2e-6;
    return weights == DType::F16 ? 1e-6 : 5e-5;
}

// Norm, lerp, unary, WKV and RWKV-7 head kernels: fp32, only summation order and ulps differ.
constexpr KernelTolerances kKernels{matmul, 1e-10, 1e-12, 1e-12, 1e-11, 1e-12};

// Prefill with 16-bit weights rounds activations to the weight type for the tensor cores
// (fp16 keeps 11 bits, bf16 8); fp32 weights and decode keep fp32 activations.
double reference(DType weights) { return weights == DType::BF16 ? 1e-2 : weights == DType::F16 ? 2e-3 : 1e-3; }
// That rounding, per matmul NMSE ≈ u²/3 (the kernel tolerances), compounded over the layers.
double cpu(DType weights) { return weights == DType::BF16 ? 5e-4 : weights == DType::F16 ? 1e-5 : 1e-9; }

} // namespace cuda

namespace vulkan {

// Both backends compute in fp32 from the same inputs; they differ in summation order and in
// the GPU's exp/tanh/inversesqrt (a few ulp, ~1e-7 relative), i.e. NMSE ~1e-13 on lavapipe.
// The bounds leave room for GPU drivers and for exp(-exp(x)), which amplifies its input's
// rounding, and are still far below what a wrong index or a skipped element gives (NMSE ~1).
constexpr double kMathNmse = 1e-10;

// fp16/bf16 decode exactly on both sides, but Vulkan lets a driver flush fp16 subnormals
// (valid small weights) unless denormals are requested, hence more room.
double matmul(DType weights, int /*tokens*/) { return weights == DType::F32 ? kMathNmse : 1e-9; }

constexpr KernelTolerances kKernels{matmul, kMathNmse, kMathNmse, kMathNmse, kMathNmse, kMathNmse};

// Same tolerance as test_reference_parity against the official package.
double reference(DType /*weights*/) { return 1e-3; }
// Both compute in fp32 from the same stored weights, so only summation order differs.
double cpu(DType /*weights*/) { return 1e-9; }

} // namespace vulkan

bool isCuda(const GpuKind& kind) { return std::string_view(kind.prefix) == kCuda.prefix; }

} // namespace

KernelTolerances kernelTolerances(const GpuKind& kind) { return isCuda(kind) ? cuda::kKernels : vulkan::kKernels; }

ModelTolerances modelTolerances(const GpuKind& kind)
{
    return isCuda(kind) ? ModelTolerances{cuda::reference, cuda::cpu} : ModelTolerances{vulkan::reference, vulkan::cpu};
}

} // namespace rwkv::test
