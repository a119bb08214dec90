#pragma once
// CPU kernel entry points behind CpuDevice. Each file kernels_*.cpp implements one family.
#include "backends/cpu/thread_pool.h"
#include "core/device.h"

#include <cstddef>

namespace rwkv::cpu {

// What the kernels of the SIMD target chosen at run time do (CpuDevice::kernelSummary).
struct KernelChoices {
    const char* target;   // e.g. "AVX2"
    bool bf16DotTarget;   // may hand bf16 prefill to gemm_bf16.h
    const char* prefetchHint;                    // of decode's software prefetch of weights
    size_t groupPrefetchBytes, rowPrefetchBytes; // its distance in the 4-row and one-row loops
};
KernelChoices kernelChoices();

void matmulKernel(ThreadPool& pool, const DTensor& out, const DTensor& in, const DTensor& weight);
void groupNormKernel(const DTensor& out, const DTensor& in, const DTensor& w, const DTensor& b, int groupSize, float eps);
void lerpKernel(const DTensor& out, const DTensor& a, const DTensor& b, const DTensor& t);
void unaryKernel(UnaryOp op, const DTensor& out, const DTensor& in);
void binaryKernel(BinaryOp op, const DTensor& out, const DTensor& a, const DTensor& b);
void wkv4Kernel(ThreadPool& pool, const DTensor& y, const DTensor& state, const DTensor& w, const DTensor& u,
                const DTensor& k, const DTensor& v);
void wkv5Kernel(ThreadPool& pool, const DTensor& y, const DTensor& state, const DTensor& r, const DTensor& w,
                const DTensor& k, const DTensor& v, const DTensor& u, int headSize);
void rwkv7KeyPrepKernel(const DTensor& k, const DTensor& alpha, const DTensor& beta, const DTensor& a,
                        const DTensor& kK, const DTensor& kA, int headSize);
void wkv7Kernel(ThreadPool& pool, const DTensor& y, const DTensor& state, const DTensor& r, const DTensor& w,
                const DTensor& k, const DTensor& v, const DTensor& alpha, const DTensor& beta, int headSize);
void rwkv7BonusKernel(const DTensor& o, const DTensor& r, const DTensor& k, const DTensor& v, const DTensor& rK,
                      int headSize);

} // namespace rwkv::cpu
