// Element-wise and normalisation kernels of the CUDA backend. Accurate libm functions (no
// fast math) and the CPU's formulas, so results agree with it to a few ulp.
#include "backends/cuda/common.cuh"
#include "backends/cuda/kernels.h"

#include <algorithm>

namespace rwkv::cuda {

namespace {

constexpr int kThreads = 256;
// exp(-0.606531·σ(x)) keeps the RWKV-7 decay in (0.5452, 1) (rwkv-spec §3.4).
constexpr float kDecayScale = -0.606531f;

unsigned blocksFor(size_t n) { return unsigned((n + kThreads - 1) / kThreads); }
// Row stride in floats: 0 for a broadcast row.
size_t rowStride(const DTensor& t) { return t.rows == 1 ? 0 : size_t(t.cols); }

// One block per (row, group): a shifted first pass for the mean, then the corrected two-pass
// variance, as on the CPU, so a large common offset does not eat the mantissa.
__global__ void groupNormKernel(float* out, const float* in, const float* __restrict__ w, const float* __restrict__ b,
                                int cols, int groupSize, float eps)
{
    __shared__ float shared[33];
    const int groups = cols / groupSize;
    const size_t base = size_t(blockIdx.x / unsigned(groups)) * size_t(cols) + size_t(blockIdx.x % unsigned(groups)) * size_t(groupSize);
    const int c0 = int(blockIdx.x % unsigned(groups)) * groupSize;
    const float* x = in + base;
    const float shift = x[0];
    float sum = 0.0f;
    for (int c = int(threadIdx.x); c < groupSize; c += int(blockDim.x)) sum += x[c] - shift;
    const float roughMean = shift + blockSum(sum, shared) / float(groupSize);
    float dsum = 0.0f, sq = 0.0f;
    for (int c = int(threadIdx.x); c < groupSize; c += int(blockDim.x)) {
        const float d = x[c] - roughMean;
        dsum += d;
        sq = fmaf(d, d, sq);
    }
    const float meanFix = blockSum(dsum, shared) / float(groupSize);
    const float sqTotal = blockSum(sq, shared);
    const float mean = roughMean + meanFix;
    const float var = fmaxf(0.0f, sqTotal / float(groupSize) - meanFix * meanFix);
    const float inv = 1.0f / sqrtf(var + eps);
    float* y = out + base;
    for (int c = int(threadIdx.x); c < groupSize; c += int(blockDim.x))
        y[c] = fmaf((x[c] - mean) * inv, w[c0 + c], b[c0 + c]);
}

// One thread per element of `seqs` sequences of `rows` rows each; prev has a row per sequence.
__global__ void tokenShiftKernel(float* __restrict__ out, const float* __restrict__ in, float* prev, int rows, int cols,
                                 int seqs)
{
    const size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x, perSeq = size_t(rows) * size_t(cols);
    if (i >= perSeq * size_t(seqs)) return;
    const size_t b = i / perSeq, within = i % perSeq;
    if (within < size_t(cols)) {
        out[i] = prev[b * size_t(cols) + within];
        prev[b * size_t(cols) + within] = in[i + size_t(rows - 1) * size_t(cols)];
    } else {
        out[i] = in[i - size_t(cols)];
    }
}

__global__ void lerpKernel(float* out, const float* a, const float* b, const float* t, int rows, int cols, size_t sa,
                           size_t sb, size_t st)
{
    const size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x;
    if (i >= size_t(rows) * size_t(cols)) return;
    const size_t r = i / size_t(cols), c = i % size_t(cols);
    const float va = a[r * sa + c];
    out[i] = fmaf(b[r * sb + c] - va, t[r * st + c], va);
}

__global__ void binaryKernel(bool add, float* out, const float* a, const float* b, int rows, int cols, size_t sa,
                             size_t sb)
{
    const size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x;
    if (i >= size_t(rows) * size_t(cols)) return;
    const size_t r = i / size_t(cols), c = i % size_t(cols);
    const float va = a[r * sa + c], vb = b[r * sb + c];
    out[i] = add ? va + vb : va * vb;
}

template <UnaryOp kOp>
__device__ __forceinline__ float unaryOp(float x)
{
    if constexpr (kOp == UnaryOp::Tanh) return tanhf(x);
    else if constexpr (kOp == UnaryOp::Sigmoid) return sigmoidf(x);
    else if constexpr (kOp == UnaryOp::ReluSquare) return x > 0.0f ? x * x : 0.0f;
    else if constexpr (kOp == UnaryOp::Silu) return x * sigmoidf(x);
    else if constexpr (kOp == UnaryOp::Decay6) return expf(-expf(x));
    else return expf(kDecayScale * sigmoidf(x));
}

template <UnaryOp kOp>
__global__ void unaryKernel(float* out, const float* in, size_t n)
{
    const size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x;
    if (i < n) out[i] = unaryOp<kOp>(in[i]);
}

} // namespace

void groupNorm(cudaStream_t stream, const DTensor& out, const DTensor& in, const DTensor& w, const DTensor& b,
               int groupSize, float eps)
{
    const unsigned blocks = unsigned(in.rows * (in.cols / groupSize));
    const int threads = std::min(kThreads, warpRounded(groupSize));
    groupNormKernel<<<blocks, threads, 0, stream>>>(out.f32(), in.f32(), w.f32(), b.f32(), int(in.cols), groupSize, eps);
}

void tokenShift(cudaStream_t stream, const DTensor& out, const DTensor& in, const DTensor& prev)
{
    tokenShiftKernel<<<blocksFor(size_t(in.numel())), kThreads, 0, stream>>>(
        out.f32(), in.f32(), prev.f32(), int(in.rows / prev.rows), int(in.cols), int(prev.rows));
}

void lerp(cudaStream_t stream, const DTensor& out, const DTensor& a, const DTensor& b, const DTensor& t)
{
    lerpKernel<<<blocksFor(size_t(out.numel())), kThreads, 0, stream>>>(
        out.f32(), a.f32(), b.f32(), t.f32(), int(out.rows), int(out.cols), rowStride(a), rowStride(b), rowStride(t));
}

void unary(cudaStream_t stream, UnaryOp op, const DTensor& out, const DTensor& in)
{
    const size_t n = size_t(in.numel());
    const unsigned blocks = blocksFor(n);
    switch (op) {
    case UnaryOp::Tanh: unaryKernel<UnaryOp::Tanh><<<blocks, kThreads, 0, stream>>>(out.f32(), in.f32(), n); break;
    case UnaryOp::Sigmoid: unaryKernel<UnaryOp::Sigmoid><<<blocks, kThreads, 0, stream>>>(out.f32(), in.f32(), n); break;
    case UnaryOp::ReluSquare:
        unaryKernel<UnaryOp::ReluSquare><<<blocks, kThreads, 0, stream>>>(out.f32(), in.f32(), n);
        break;
    case UnaryOp::Silu: unaryKernel<UnaryOp::Silu><<<blocks, kThreads, 0, stream>>>(out.f32(), in.f32(), n); break;
    case UnaryOp::Decay6: unaryKernel<UnaryOp::Decay6><<<blocks, kThreads, 0, stream>>>(out.f32(), in.f32(), n); break;
    case UnaryOp::Decay7: unaryKernel<UnaryOp::Decay7><<<blocks, kThreads, 0, stream>>>(out.f32(), in.f32(), n); break;
    }
}

void binary(cudaStream_t stream, BinaryOp op, const DTensor& out, const DTensor& a, const DTensor& b)
{
    binaryKernel<<<blocksFor(size_t(out.numel())), kThreads, 0, stream>>>(
        op == BinaryOp::Add, out.f32(), a.f32(), b.f32(), int(out.rows), int(out.cols), rowStride(a), rowStride(b));
}

} // namespace rwkv::cuda
