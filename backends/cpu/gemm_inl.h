// Per-SIMD-target declaration of the prefill matmul (kernels_gemm.cpp), called by the
// matmul entry point (kernels_matmul.cpp) for the same target. Toggled guard: included once
// per target through hwy/foreach_target.h.
#if defined(RWKV_CPU_GEMM_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef RWKV_CPU_GEMM_INL_H_
#undef RWKV_CPU_GEMM_INL_H_
#else
#define RWKV_CPU_GEMM_INL_H_
#endif

#include "backends/cpu/thread_pool.h"

#include <cstddef>

#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
namespace rwkv::cpu::HWY_NAMESPACE {

// Inputs of at most this many columns (the second matrix of each LoRA pair) take the GEMM's
// outer-product form, which needs no horizontal sums; wider ones its dot-product tiles.
constexpr size_t kSmallI = 128;

// out[T,O] = in[T,I] · Wᵀ for T ≥ 4 input rows (any T is correct; fewer rows are faster
// streamed); W is a weight pointer (weight_ptr.h).
template <typename W>
void gemm(ThreadPool& pool, float* out, const float* in, W w, size_t T, size_t I, size_t O);

} // namespace rwkv::cpu::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif
