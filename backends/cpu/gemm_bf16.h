#pragma once
// Prefill matmul for bf16 weights on AVX512-BF16 dot products (vdpbf16ps), outside Highway
// (Debian's Highway 1.0.3 has no BF16 dot product): target-attributed intrinsics, used only
// where the CPU reports AVX512-BF16 and the caller runs an AVX-512 target. The activations
// are rounded to bf16 once per call (round to nearest even, relative error ≤ 2^-8 per term,
// ~2^-9 RMS); products and sums stay fp32. That rounding takes the reference models' logits
// to 4-10e-4 of their range, past the 1e-3 parity tolerance for RWKV-7 (README), so the path
// is opt-in: RWKV_CPU_BF16_DOT=1. Compiled out where runtime dispatch is off (the Windows
// build) or the compiler lacks the intrinsics.
#include "backends/cpu/thread_pool.h"

#include <cstddef>
#include <cstdint>

namespace rwkv::cpu {

enum class Bf16DotState {
    NotBuilt,   // this build has no AVX512-BF16 path
    NoCpu,      // this CPU (or its OS) lacks AVX-512 BF16
    Off,        // available, not chosen (the default)
    On,         // RWKV_CPU_BF16_DOT=1, or setBf16DotEnabled(true)
};

Bf16DotState bf16DotState();
// True when bf16DotState() is On.
bool bf16DotEnabled();
// Turns the path on or off for this process (tests and side-by-side measurements); it starts
// off unless the environment sets RWKV_CPU_BF16_DOT=1. No effect where it is not available.
void setBf16DotEnabled(bool on);

// out[T,O] = bf16(in[T,I]) · Wᵀ, W bf16 bits stored [O,I]; fp32 accumulation. Any T, I, O;
// only to be called when bf16DotState() is On or Off.
void gemmBf16Dot(ThreadPool& pool, float* out, const float* in, const uint16_t* w, size_t T, size_t I, size_t O);

} // namespace rwkv::cpu
