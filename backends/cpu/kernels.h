#pragma once
// CPU kernel entry points behind CpuDevice. Each file kernels_*.cpp implements one family.
#include "backends/cpu/thread_pool.h"
#include "core/device.h"

namespace rwkv::cpu {

// Name of the SIMD target chosen at run time, e.g. "AVX2".
const char* simdTargetName();

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
