#pragma once
// Prefill matmul for bf16 weights on Intel AMX tiles (TDPBF16PS: 16×16×32 multiply-adds per
// instruction), outside Highway, with target-attributed intrinsics used only where the CPU
// has AMX-BF16 and the OS grants the tile state (Linux: arch_prctl XCOMP_PERM).
//
// Precision: the weights are bf16 already; each activation is split into three bf16 numbers,
// x = hi + mid + lo + e with hi = bf16(x), mid = bf16(x − hi), lo = bf16(x − hi − mid) (each
// difference exact in fp32), so |e| ≤ 2^-24 |x|, fp32's own rounding. Products of bf16 are
// exact and the sums fp32, so the result is fp32 GEMM's up to summation order and the path is
// on by default; RWKV_CPU_AMX=0 turns it off. (Two terms, 2^-16, measured 1.2e-5 of the logit
// range between chunked and whole prefill of the demo model, past its 1e-5 test; one term is
// gemm_bf16.h's opt-in path.)
// Compiled out where runtime dispatch is off (the Windows build), off Linux, or where the
// compiler lacks the intrinsics.
#include "backends/cpu/thread_pool.h"

#include <cstddef>
#include <cstdint>

namespace rwkv::cpu {

enum class AmxState {
    NotBuilt, // this build has no AMX path
    NoCpu,    // this CPU lacks AMX-BF16 (or AVX512-BF16, used to pack the activations)
    NoOs,     // the kernel refused the tile state
    Off,      // available, turned off (RWKV_CPU_AMX=0 or setAmxEnabled(false))
    On,       // available and used (the default)
};

AmxState amxState();
// True when amxState() is On.
bool amxEnabled();
// Turns the path on or off for this process (tests and side-by-side measurements). No effect
// where it is not available.
void setAmxEnabled(bool on);

// out[T,O] = in[T,I] · Wᵀ, W bf16 bits stored [O,I], activations split into three bf16, fp32
// accumulation. Any T, I, O; only to be called when amxState() is On or Off.
void gemmAmx(ThreadPool& pool, float* out, const float* in, const uint16_t* w, size_t T, size_t I, size_t O);

} // namespace rwkv::cpu
