// The RWKV recurrences and per-head kernels of the CUDA backend. WKV-5/6/7: one block per
// head, one thread per value row i of the head state, which lives in that thread's registers
// for head size 64 (every released model) and in global memory otherwise; a few tokens' key-
// side vectors at a time are staged in shared memory and read there as broadcasts.
#include "backends/cuda/common.cuh"
#include "backends/cuda/kernels.h"

#include <algorithm>
#include <type_traits>

namespace rwkv::cuda {

namespace {

constexpr int kThreads = 256;
// Tokens whose vectors are staged in shared memory between two barriers.
constexpr int kStageTokens = 8;
// Head size with a register-resident state.
constexpr int kRegisterHead = 64;
// A head size known at compile time (loops over it unroll, the state row stays in registers).
template <int N>
struct FixedSize {
    __host__ __device__ constexpr operator int() const { return N; }
};
using RegisterHead = FixedSize<kRegisterHead>;

// One thread per channel of each of `seqs` sequences of T tokens; their states follow each other.
__global__ void wkv4Kernel(float* y, float* state, const float* w, const float* u, const float* k, const float* v,
                           int T, int C, int seqs)
{
    const int sc = int(blockIdx.x * blockDim.x + threadIdx.x);
    if (sc >= seqs * C) return;
    const int seq = sc / C, c = sc % C;
    state += size_t(seq) * 3 * size_t(C);
    float a = state[c], b = state[C + c], p = state[2 * C + c];
    const float wc = w[c], uc = u[c];
    for (int t = 0; t < T; ++t) {
        const size_t i = (size_t(seq) * size_t(T) + size_t(t)) * size_t(C) + size_t(c);
        const float kt = k[i], vt = v[i];
        float q = fmaxf(p, uc + kt);
        float e1 = expf(p - q), e2 = expf(uc + kt - q);
        y[i] = (e1 * a + e2 * vt) / (e1 * b + e2);
        q = fmaxf(wc + p, kt);
        e1 = expf(wc + p - q);
        e2 = expf(kt - q);
        a = e1 * a + e2 * vt;
        b = e1 * b + e2;
        p = q;
    }
    state[c] = a;
    state[C + c] = b;
    state[2 * C + c] = p;
}

// Copies `count` vectors of tokens t0.. of head h (n floats each, rows C apart) to dst.
__device__ __forceinline__ void stage(float* dst, const float* src, int t0, int count, int C, int h, int n,
                                      bool broadcast)
{
    for (int idx = int(threadIdx.x); idx < count * n; idx += int(blockDim.x)) {
        const int tt = idx / n, j = idx % n;
        dst[idx] = src[size_t(broadcast ? 0 : t0 + tt) * size_t(C) + size_t(h * n + j)];
    }
}

// Σ a·b over a head. With the head size known at compile time the loop unrolls and four
// partial sums break the FMA dependency chain (the sequential scan is latency-bound).
template <class Len>
struct HeadSum {
    static constexpr int kParts = std::is_same_v<Len, int> ? 1 : 4;
    float part[kParts] = {};
    __device__ __forceinline__ void add(int j, float a, float b) { part[j % kParts] = fmaf(a, b, part[j % kParts]); }
    __device__ __forceinline__ float total() const
    {
        float t = 0.0f;
#pragma unroll
        for (int q = 0; q < kParts; ++q) t += part[q];
        return t;
    }
};

// RWKV-5.2/6, one token for value row j: y_j = Σ_i r_i (u_i k_i v_j + S[j][i]); S[j][i] ← S[j][i]·w_i + k_i v_j.
template <class Row, class Len>
__device__ __forceinline__ float wkv5Step(Row& s, Len n, const float* r, const float* w, const float* k,
                                          const float* u, float vj)
{
    HeadSum<Len> bonus, acc;
#pragma unroll
    for (int i = 0; i < int(n); ++i) {
        bonus.add(i, r[i] * u[i], k[i]);
        acc.add(i, r[i], s[i]);
        s[i] = fmaf(s[i], w[i], k[i] * vj);
    }
    return fmaf(bonus.total(), vj, acc.total());
}

// RWKV-7, one token for value row i: sa = S_i·α; S_i ← S_i ⊙ w + sa·β + v_i·k; y_i = S_i·r.
template <class Row, class Len>
__device__ __forceinline__ float wkv7Step(Row& s, Len n, const float* r, const float* w, const float* k,
                                          const float* a, const float* b, float vi)
{
    HeadSum<Len> sa, y;
#pragma unroll
    for (int j = 0; j < int(n); ++j) sa.add(j, s[j], a[j]);
    const float saTotal = sa.total();
#pragma unroll
    for (int j = 0; j < int(n); ++j) {
        s[j] = fmaf(s[j], w[j], fmaf(saTotal, b[j], vi * k[j]));
        y.add(j, s[j], r[j]);
    }
    return y.total();
}

// version 5: p0..p3 = r, w, k, u (w broadcast when wRows == 1); version 7: r, w, k, α, β.
// Block g = sequence · heads + head runs T tokens of one head of one sequence (the states' order).
template <int kVersion, class Len>
__global__ void wkvKernel(float* y, float* state, const float* r, const float* w, const float* k, const float* v,
                          const float* p4, const float* p5, int T, int C, Len n, int wRows)
{
    extern __shared__ float staged[]; // [vector][token][n]
    constexpr bool kRegisters = !std::is_same_v<Len, int>;
    const int g = int(blockIdx.x), heads = C / int(n), h = g % heads, i = int(threadIdx.x);
    const size_t rows = size_t(g / heads) * size_t(T) * size_t(C); // the sequence's first row
    y += rows; r += rows; k += rows; v += rows;
    if (wRows != 1) w += rows;
    if constexpr (kVersion == 7) { p4 += rows; p5 += rows; }
    const bool active = i < int(n);
    float* global = state + (size_t(g) * size_t(int(n)) + size_t(active ? i : 0)) * size_t(int(n));
    [[maybe_unused]] float regs[kRegisters ? int(Len{}) : 1];
    if constexpr (kRegisters) {
#pragma unroll
        for (int j = 0; j < int(n); ++j) regs[j] = active ? global[j] : 0.0f;
    }
    const int slab = kStageTokens * int(n);
    if constexpr (kVersion == 5) stage(staged + 3 * slab, p4, 0, 1, C, h, int(n), true); // u, once
    for (int t0 = 0; t0 < T; t0 += kStageTokens) {
        const int count = min(kStageTokens, T - t0);
        __syncthreads();
        stage(staged, r, t0, count, C, h, int(n), false);
        stage(staged + slab, w, t0, wRows == 1 ? 1 : count, C, h, int(n), wRows == 1);
        stage(staged + 2 * slab, k, t0, count, C, h, int(n), false);
        if constexpr (kVersion == 7) {
            stage(staged + 3 * slab, p4, t0, count, C, h, int(n), false);
            stage(staged + 4 * slab, p5, t0, count, C, h, int(n), false);
        }
        __syncthreads();
        if (!active) continue;
        for (int tt = 0; tt < count; ++tt) {
            const size_t at = size_t(t0 + tt) * size_t(C) + size_t(h * int(n) + i);
            const float* sr = staged + tt * int(n);
            const float* sw = staged + slab + (wRows == 1 ? 0 : tt * int(n));
            const float* sk = staged + 2 * slab + tt * int(n);
            float out;
            if constexpr (kVersion == 7) {
                const float* sa = staged + 3 * slab + tt * int(n);
                const float* sb = staged + 4 * slab + tt * int(n);
                if constexpr (kRegisters) out = wkv7Step(regs, n, sr, sw, sk, sa, sb, v[at]);
                else out = wkv7Step(global, n, sr, sw, sk, sa, sb, v[at]);
            } else {
                const float* su = staged + 3 * slab;
                if constexpr (kRegisters) out = wkv5Step(regs, n, sr, sw, sk, su, v[at]);
                else out = wkv5Step(global, n, sr, sw, sk, su, v[at]);
            }
            y[at] = out;
        }
    }
    if constexpr (kRegisters) {
        if (active)
#pragma unroll
            for (int j = 0; j < int(n); ++j) global[j] = regs[j];
    }
}

template <int kVersion>
void launchWkv(cudaStream_t stream, const DTensor& y, const DTensor& state, const DTensor& r, const DTensor& w,
               const DTensor& k, const DTensor& v, const DTensor& p4, const DTensor& p5, int n)
{
    const int C = int(r.cols), seqs = int(state.rows / r.cols), T = int(r.rows) / seqs, blocks = seqs * (C / n);
    const size_t shared = size_t(kVersion == 7 ? 5 : 4) * kStageTokens * size_t(n) * sizeof(float);
    if (n == kRegisterHead)
        wkvKernel<kVersion><<<unsigned(blocks), unsigned(n), shared, stream>>>(
            y.f32(), state.f32(), r.f32(), w.f32(), k.f32(), v.f32(), p4.f32(), p5.f32(), T, C, RegisterHead{},
            int(w.rows));
    else
        wkvKernel<kVersion><<<unsigned(blocks), unsigned(warpRounded(n)), shared, stream>>>(
            y.f32(), state.f32(), r.f32(), w.f32(), k.f32(), v.f32(), p4.f32(), p5.f32(), T, C, n, int(w.rows));
}

// One block per (row, head): κ = k⊙kK / max(‖k⊙kK‖, 1e-12); α = −κ; β = κ⊙a; k ← k⊙(1 + (a−1)⊙kA).
__global__ void keyPrepKernel(float* k, float* alpha, float* beta, const float* a, const float* kK, const float* kA,
                              int C, int n)
{
    __shared__ float shared[33];
    const int heads = C / n, j = int(threadIdx.x), c = int(blockIdx.x % unsigned(heads)) * n + j;
    const size_t at = size_t(blockIdx.x / unsigned(heads)) * size_t(C) + size_t(c);
    const bool active = j < n;
    const float kappa = active ? k[at] * kK[c] : 0.0f;
    const float norm = sqrtf(blockSum(kappa * kappa, shared));
    if (!active) return;
    const float scaled = kappa * (1.0f / fmaxf(norm, 1e-12f));
    const float av = a[at];
    alpha[at] = -scaled;
    beta[at] = scaled * av;
    k[at] = k[at] * fmaf(av - 1.0f, kA[c], 1.0f);
}

// One block per (row, head): o += (Σ r⊙k⊙rK)·v.
__global__ void bonusKernel(float* o, const float* r, const float* k, const float* v, const float* rK, int C, int n)
{
    __shared__ float shared[33];
    const int heads = C / n, j = int(threadIdx.x), c = int(blockIdx.x % unsigned(heads)) * n + j;
    const size_t at = size_t(blockIdx.x / unsigned(heads)) * size_t(C) + size_t(c);
    const bool active = j < n;
    const float s = blockSum(active ? r[at] * k[at] * rK[c] : 0.0f, shared);
    if (active) o[at] = fmaf(s, v[at], o[at]);
}

} // namespace

cudaError_t checkKernelImage()
{
    cudaFuncAttributes attributes{};
    return cudaFuncGetAttributes(&attributes, bonusKernel);
}

void wkv4(cudaStream_t stream, const DTensor& y, const DTensor& state, const DTensor& w, const DTensor& u,
          const DTensor& k, const DTensor& v)
{
    const int C = int(k.cols), seqs = int(state.rows / 3);
    wkv4Kernel<<<unsigned((seqs * C + kThreads - 1) / kThreads), kThreads, 0, stream>>>(
        y.f32(), state.f32(), w.f32(), u.f32(), k.f32(), v.f32(), int(k.rows) / seqs, C, seqs);
}

void wkv5(cudaStream_t stream, const DTensor& y, const DTensor& state, const DTensor& r, const DTensor& w,
          const DTensor& k, const DTensor& v, const DTensor& u, int headSize)
{
    launchWkv<5>(stream, y, state, r, w, k, v, u, u, headSize);
}

void wkv7(cudaStream_t stream, const DTensor& y, const DTensor& state, const DTensor& r, const DTensor& w,
          const DTensor& k, const DTensor& v, const DTensor& alpha, const DTensor& beta, int headSize)
{
    launchWkv<7>(stream, y, state, r, w, k, v, alpha, beta, headSize);
}

void rwkv7KeyPrep(cudaStream_t stream, const DTensor& k, const DTensor& alpha, const DTensor& beta, const DTensor& a,
                  const DTensor& kK, const DTensor& kA, int headSize)
{
    const unsigned blocks = unsigned(k.rows * (k.cols / headSize));
    keyPrepKernel<<<blocks, unsigned(warpRounded(headSize)), 0, stream>>>(k.f32(), alpha.f32(), beta.f32(), a.f32(),
                                                                        kK.f32(), kA.f32(), int(k.cols), headSize);
}

void rwkv7Bonus(cudaStream_t stream, const DTensor& o, const DTensor& r, const DTensor& k, const DTensor& v,
                const DTensor& rK, int headSize)
{
    const unsigned blocks = unsigned(o.rows * (o.cols / headSize));
    bonusKernel<<<blocks, unsigned(warpRounded(headSize)), 0, stream>>>(o.f32(), r.f32(), k.f32(), v.f32(), rK.f32(),
                                                                      int(o.cols), headSize);
}

} // namespace rwkv::cuda
