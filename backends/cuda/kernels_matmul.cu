// Matmul pieces of the CUDA backend: the decode GEMV (one warp per output row, weights read
// once in 16-byte loads and widened in registers, every input row reusing them; int8 / q4 a
// block of 32 per lane and load) and what feeds cuBLAS for prefill: the fp32 → fp16/bf16
// conversion of the activations and the int8 / q4 → fp16 decoding of weight rows.
#include "backends/cuda/common.cuh"
#include "backends/cuda/kernels.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <algorithm>
#include <cstdint>
#include <type_traits>

namespace rwkv::cuda {

namespace {

constexpr int kGemvThreads = 256;
constexpr int kConvertThreads = 256;
// Largest |x| an fp16 input keeps unscaled; leaves headroom below 65504.
constexpr float kHalfLimit = 16384.0f;

__device__ __forceinline__ float widen(float v) { return v; }
__device__ __forceinline__ float widen(__half v) { return __half2float(v); }
__device__ __forceinline__ float widen(__nv_bfloat16 v) { return __bfloat162float(v); }

// The 16 bytes at p as floats (4 fp32 or 8 fp16/bf16).
__device__ __forceinline__ void unpack(const float* p, float* f)
{
    const float4 q = __ldg(reinterpret_cast<const float4*>(p));
    f[0] = q.x; f[1] = q.y; f[2] = q.z; f[3] = q.w;
}
template <typename H>
__device__ __forceinline__ void unpack(const H* p, float* f)
{
    const uint4 q = __ldg(reinterpret_cast<const uint4*>(p));
    const uint32_t words[4] = {q.x, q.y, q.z, q.w};
#pragma unroll
    for (int i = 0; i < 4; ++i) {
        H pair[2];
        memcpy(pair, &words[i], 4);
        f[2 * i] = widen(pair[0]);
        f[2 * i + 1] = widen(pair[1]);
    }
}

// y[t][o] = Σ_i x[t][i]·w[o][i] for TT rows t; vec: rows of w and x are 16-byte aligned and I
// is a multiple of the vector width.
template <typename W, int TT>
__global__ void __launch_bounds__(kGemvThreads) gemvKernel(float* __restrict__ y, const float* __restrict__ x,
                                                          const W* __restrict__ w, int I, int O, bool vec)
{
    constexpr int V = 16 / int(sizeof(W));
    const int o = int((blockIdx.x * blockDim.x + threadIdx.x) / kWarp), lane = int(threadIdx.x % kWarp);
    if (o >= O) return;
    const W* row = w + size_t(o) * size_t(I);
    float acc[TT];
#pragma unroll
    for (int t = 0; t < TT; ++t) acc[t] = 0.0f;
    int tail = 0;
    if (vec) {
        const int groups = I / V;
#pragma unroll 4
        for (int g = lane; g < groups; g += kWarp) {
            float wf[V];
            unpack(row + g * V, wf);
#pragma unroll
            for (int t = 0; t < TT; ++t) {
                const float* xs = x + size_t(t) * size_t(I) + g * V;
#pragma unroll
                for (int q = 0; q < V; q += 4) {
                    const float4 xv = *reinterpret_cast<const float4*>(xs + q);
                    acc[t] = fmaf(wf[q], xv.x, acc[t]);
                    acc[t] = fmaf(wf[q + 1], xv.y, acc[t]);
                    acc[t] = fmaf(wf[q + 2], xv.z, acc[t]);
                    acc[t] = fmaf(wf[q + 3], xv.w, acc[t]);
                }
            }
        }
        tail = groups * V;
    }
    for (int i = tail + lane; i < I; i += kWarp) {
        const float wv = widen(row[i]);
#pragma unroll
        for (int t = 0; t < TT; ++t) acc[t] = fmaf(wv, x[size_t(t) * size_t(I) + i], acc[t]);
    }
#pragma unroll
    for (int t = 0; t < TT; ++t) {
        const float s = warpSum(acc[t]);
        if (lane == 0) y[size_t(t) * size_t(O) + o] = s;
    }
}

template <typename W, int TT>
void launchGemv(cudaStream_t stream, const DTensor& out, const DTensor& in, const DTensor& weight)
{
    const int I = int(in.cols), O = int(out.cols);
    constexpr int V = 16 / int(sizeof(W));
    const bool vec = I % V == 0 && ((reinterpret_cast<uintptr_t>(in.data) | reinterpret_cast<uintptr_t>(weight.data)) % 16) == 0;
    const int rowsPerBlock = kGemvThreads / kWarp;
    const unsigned blocks = unsigned((O + rowsPerBlock - 1) / rowsPerBlock);
    gemvKernel<W, TT><<<blocks, kGemvThreads, 0, stream>>>(out.f32(), in.f32(), static_cast<const W*>(weight.data), I,
                                                           O, vec);
}

// The 32 values of int8 (Q4 false) or q4 block `block` (core/quantize.h: int8 bytes; q4 16
// bytes, value j in the low nibble of byte j and j + 16 in its high one), unscaled.
template <bool Q4>
__device__ __forceinline__ void blockValues(const uint8_t* __restrict__ values, size_t block, float* v)
{
    constexpr int kWords = Q4 ? 4 : 8;
    uint32_t words[kWords];
    const uint4* p = reinterpret_cast<const uint4*>(values + block * (Q4 ? 16 : 32));
#pragma unroll
    for (int h = 0; h < kWords / 4; ++h) {
        const uint4 q = __ldg(p + h);
        words[4 * h] = q.x; words[4 * h + 1] = q.y; words[4 * h + 2] = q.z; words[4 * h + 3] = q.w;
    }
#pragma unroll
    for (int j = 0; j < (Q4 ? 16 : 32); ++j) {
        const uint32_t byte = (words[j / 4] >> (8 * (j % 4))) & 0xffu;
        if constexpr (Q4) {
            v[j] = float(int(byte & 15u) - 8);
            v[j + 16] = float(int(byte >> 4) - 8);
        } else {
            v[j] = float(int8_t(byte));
        }
    }
}

// The GEMV for int8 / q4 weights: each lane takes whole blocks (32 or 16 bytes, one scale),
// sums a block's products per input row, then scales the sum.
template <bool Q4, int TT>
__global__ void __launch_bounds__(kGemvThreads) gemvQuantKernel(float* __restrict__ y, const float* __restrict__ x,
                                                               const uint8_t* __restrict__ values,
                                                               const __half* __restrict__ scales, int I, int O)
{
    const int o = int((blockIdx.x * blockDim.x + threadIdx.x) / kWarp), lane = int(threadIdx.x % kWarp);
    if (o >= O) return;
    const int blocks = I / 32;
    float acc[TT];
#pragma unroll
    for (int t = 0; t < TT; ++t) acc[t] = 0.0f;
    for (int b = lane; b < blocks; b += kWarp) {
        const size_t block = size_t(o) * size_t(blocks) + size_t(b);
        float v[32];
        blockValues<Q4>(values, block, v);
        const float d = __half2float(scales[block]);
#pragma unroll
        for (int t = 0; t < TT; ++t) {
            const float* xs = x + size_t(t) * size_t(I) + size_t(b) * 32;
            float s = 0.0f;
#pragma unroll
            for (int j = 0; j < 32; ++j) s = fmaf(v[j], xs[j], s);
            acc[t] = fmaf(s, d, acc[t]);
        }
    }
#pragma unroll
    for (int t = 0; t < TT; ++t) {
        const float s = warpSum(acc[t]);
        if (lane == 0) y[size_t(t) * size_t(O) + o] = s;
    }
}

// The values and the fp16 block scales of an int8 / q4 tensor.
const uint8_t* quantizedValues(const DTensor& w) { return static_cast<const uint8_t*>(w.data); }
const __half* quantizedScales(const DTensor& w)
{
    return reinterpret_cast<const __half*>(quantizedValues(w) + quantizedScalesOffset(w.dtype, size_t(w.numel())));
}

template <typename W, int TT>
void launchRows(cudaStream_t stream, const DTensor& out, const DTensor& in, const DTensor& weight)
{
    if constexpr (std::is_same_v<W, int8_t> || std::is_same_v<W, uint8_t>) {
        constexpr bool kQ4 = std::is_same_v<W, uint8_t>;
        const int I = int(in.cols), O = int(out.cols), rowsPerBlock = kGemvThreads / kWarp;
        gemvQuantKernel<kQ4, TT><<<unsigned((O + rowsPerBlock - 1) / rowsPerBlock), kGemvThreads, 0, stream>>>(
            out.f32(), in.f32(), quantizedValues(weight), quantizedScales(weight), I, O);
    } else {
        launchGemv<W, TT>(stream, out, in, weight);
    }
}

// W: the element type, int8_t for int8 blocks, uint8_t for q4 blocks.
template <typename W>
void gemvRows(cudaStream_t stream, const DTensor& out, const DTensor& in, const DTensor& weight)
{
    switch (in.rows) {
    case 1: launchRows<W, 1>(stream, out, in, weight); break;
    case 2: launchRows<W, 2>(stream, out, in, weight); break;
    case 3: launchRows<W, 3>(stream, out, in, weight); break;
    default: launchRows<W, 4>(stream, out, in, weight); break;
    }
}

// dst[32b + j] = value j of block first + b of an int8 / q4 matrix, as fp16, for b < n: a
// block a thread.
template <bool Q4>
__global__ void dequantizeKernel(__half* __restrict__ dst, const uint8_t* __restrict__ values,
                                 const __half* __restrict__ scales, size_t first, size_t n)
{
    const size_t b = blockIdx.x * size_t(blockDim.x) + threadIdx.x;
    if (b >= n) return;
    float v[32];
    blockValues<Q4>(values, first + b, v);
    const float d = __half2float(scales[first + b]);
#pragma unroll
    for (int j = 0; j < 32; ++j) dst[b * 32 + j] = __float2half_rn(v[j] * d);
}

// Largest |x| (NaN ignored) as float bits; non-negative floats order like their bit patterns.
__global__ void amaxKernel(const float* __restrict__ x, size_t n, unsigned* amax)
{
    __shared__ float shared[33];
    float m = 0.0f;
    for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x)
        m = fmaxf(m, fabsf(x[i]));
#pragma unroll
    for (int d = kWarp / 2; d > 0; d /= 2) m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, d));
    const int lane = int(threadIdx.x % kWarp), warp = int(threadIdx.x / kWarp);
    if (lane == 0) shared[warp] = m;
    __syncthreads();
    if (threadIdx.x == 0) {
        for (int i = 1; i < int(blockDim.x / kWarp); ++i) m = fmaxf(m, shared[i]);
        atomicMax(amax, __float_as_uint(m));
    }
}

// The power of two that brings amax to at most kHalfLimit (1 when it already is, or is inf).
__device__ __forceinline__ float halfScale(const unsigned* amax)
{
    const float m = __uint_as_float(*amax);
    if (!(m > kHalfLimit) || isinf(m)) return 1.0f;
    int e = 0;
    frexpf(m / kHalfLimit, &e); // m / limit = f·2^e, f in [0.5, 1)
    return ldexpf(1.0f, -e);
}

template <typename H>
__global__ void toHalfKernel(H* __restrict__ dst, const float* __restrict__ x, size_t n, const unsigned* amax,
                             float* alpha)
{
    const float s = amax ? halfScale(amax) : 1.0f;
    const size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x;
    if (i == 0) *alpha = 1.0f / s;
    if (i < n) {
        if constexpr (std::is_same_v<H, __half>) dst[i] = __float2half_rn(x[i] * s);
        else dst[i] = __float2bfloat16_rn(x[i]);
    }
}

} // namespace

void gemv(cudaStream_t stream, const DTensor& out, const DTensor& in, const DTensor& weight)
{
    switch (weight.dtype) {
    case DType::F16: gemvRows<__half>(stream, out, in, weight); break;
    case DType::BF16: gemvRows<__nv_bfloat16>(stream, out, in, weight); break;
    case DType::Q8: gemvRows<int8_t>(stream, out, in, weight); break;
    case DType::Q4: gemvRows<uint8_t>(stream, out, in, weight); break;
    default: gemvRows<float>(stream, out, in, weight); break;
    }
}

void dequantizeRows(cudaStream_t stream, void* dst, const DTensor& weight, int64_t first, int64_t rows)
{
    // Rows are whole blocks of 32 (core/quantize.h), so a row range is a block range.
    const size_t n = size_t(rows * weight.cols) / 32, start = size_t(first * weight.cols) / 32;
    const unsigned blocks = unsigned((n + kConvertThreads - 1) / kConvertThreads);
    auto* out = static_cast<__half*>(dst);
    if (weight.dtype == DType::Q4)
        dequantizeKernel<true><<<blocks, kConvertThreads, 0, stream>>>(out, quantizedValues(weight), quantizedScales(weight), start, n);
    else
        dequantizeKernel<false><<<blocks, kConvertThreads, 0, stream>>>(out, quantizedValues(weight), quantizedScales(weight), start, n);
}

void toHalf(cudaStream_t stream, void* dst, const DTensor& in, DType type, float* alpha, unsigned* amax)
{
    const size_t n = size_t(in.numel());
    const unsigned blocks = unsigned((n + kConvertThreads - 1) / kConvertThreads);
    if (type == DType::F16) {
        cudaMemsetAsync(amax, 0, sizeof(unsigned), stream);
        amaxKernel<<<std::min(blocks, 1024u), kConvertThreads, 0, stream>>>(in.f32(), n, amax);
        toHalfKernel<<<blocks, kConvertThreads, 0, stream>>>(static_cast<__half*>(dst), in.f32(), n, amax, alpha);
    } else {
        toHalfKernel<<<blocks, kConvertThreads, 0, stream>>>(static_cast<__nv_bfloat16*>(dst), in.f32(), n, nullptr,
                                                              alpha);
    }
}

} // namespace rwkv::cuda
