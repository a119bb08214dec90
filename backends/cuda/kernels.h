#pragma once
// Launchers of the CUDA kernels (kernels_*.cu). All run asynchronously on `stream`; launch
// errors are left for cudaGetLastError, which CudaDevice checks. Shapes and semantics are
// those of core/device.h (the CPU backend is the reference).
#include "core/device.h"

#include <cuda_runtime_api.h>

namespace rwkv::cuda {

// Up to this many input rows a matmul streams the weights through the GEMV kernel (memory
// bound); more rows go to cuBLAS on tensor cores.
inline constexpr int kMaxGemvRows = 4;
// Largest head size of the per-head kernels (one thread per channel of a head).
inline constexpr int kMaxHeadSize = 1024;
// Largest head size of the WKV-5/7 kernels (token vectors staged in 48 KiB of shared memory).
inline constexpr int kMaxWkvHeadSize = 256;

// cudaSuccess when this plugin has machine code or PTX the current device can run.
cudaError_t checkKernelImage();

void gemv(cudaStream_t stream, const DTensor& out, const DTensor& in, const DTensor& weight);
// Rows [first, first + rows) of an int8 / q4 matrix (core/quantize.h) decoded to fp16 into dst
// ([rows, cols], row-major), for cuBLAS.
void dequantizeRows(cudaStream_t stream, void* dst, const DTensor& weight, int64_t first, int64_t rows);
// Rounds in (fp32) to `type` (F16 or BF16) into dst. For F16 the values are first scaled by a
// power of two when their largest magnitude would overflow fp16; *alpha receives 1/scale
// (1 for BF16), so a GEMM with alpha gives the unscaled product. *amax is 4 bytes of scratch.
void toHalf(cudaStream_t stream, void* dst, const DTensor& in, DType type, float* alpha, unsigned* amax);

void groupNorm(cudaStream_t stream, const DTensor& out, const DTensor& in, const DTensor& w, const DTensor& b,
               int groupSize, float eps);
void tokenShift(cudaStream_t stream, const DTensor& out, const DTensor& in, const DTensor& prev);
void lerp(cudaStream_t stream, const DTensor& out, const DTensor& a, const DTensor& b, const DTensor& t);
void unary(cudaStream_t stream, UnaryOp op, const DTensor& out, const DTensor& in);
void binary(cudaStream_t stream, BinaryOp op, const DTensor& out, const DTensor& a, const DTensor& b);

void wkv4(cudaStream_t stream, const DTensor& y, const DTensor& state, const DTensor& w, const DTensor& u,
          const DTensor& k, const DTensor& v);
void wkv5(cudaStream_t stream, const DTensor& y, const DTensor& state, const DTensor& r, const DTensor& w,
          const DTensor& k, const DTensor& v, const DTensor& u, int headSize);
void wkv7(cudaStream_t stream, const DTensor& y, const DTensor& state, const DTensor& r, const DTensor& w,
          const DTensor& k, const DTensor& v, const DTensor& alpha, const DTensor& beta, int headSize);
void rwkv7KeyPrep(cudaStream_t stream, const DTensor& k, const DTensor& alpha, const DTensor& beta, const DTensor& a,
                  const DTensor& kK, const DTensor& kA, int headSize);
void rwkv7Bonus(cudaStream_t stream, const DTensor& o, const DTensor& r, const DTensor& k, const DTensor& v,
                const DTensor& rK, int headSize);

} // namespace rwkv::cuda
