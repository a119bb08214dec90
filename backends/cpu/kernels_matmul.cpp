// out[T,O] = in[T,I] · Wᵀ with W stored [O,I] in fp32, fp16 or bf16; fp32 accumulation.
// Two regimes, two loops:
//  * decode (T ≤ 3) is bound by memory bandwidth: every weight row is streamed exactly once
//    and widened in registers; four rows at a time share the activation loads and their
//    four sums are reduced together.
//  * prefill (T ≥ 4) is bound by FMA throughput: a block of weight rows is widened once into
//    an fp32 scratch buffer (L2-sized) and reused by every T-tile through a register-blocked
//    micro-kernel of kTileRows input rows × 4 weight rows. Columns are blocked so one tile's
//    operands stay in L1.
// Both are data-parallel over output rows (or over T when O is too small to share).
#include "backends/cpu/kernels.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <cstddef>
#include <utility>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "backends/cpu/kernels_matmul.cpp"
#include <hwy/foreach_target.h> // IWYU pragma: keep
#include <hwy/aligned_allocator.h>
#include <hwy/highway.h>
#include <hwy/targets.h>
#include <hwy/cache_control.h>

#include "backends/cpu/simd_inl.h"

HWY_BEFORE_NAMESPACE();
namespace rwkv::cpu::HWY_NAMESPACE {

// Input rows per micro-tile: 6×4 accumulators + 4 weights + 1 input fill AVX-512's 32
// registers; 16-register targets get 3×4.
constexpr size_t kTileRows = HWY_TARGET <= HWY_AVX3 ? 6 : 3;
// Largest T handled by the streaming (decode) loop.
constexpr size_t kMaxStreamRows = 3;
// Distance of the decode loop's software prefetch.
constexpr size_t kPrefetchBytes = 12 * 1024;
// Column block of the prefill loop: kTileRows input rows + 4 weight rows of 512 floats
// (20 KiB) stay in a 32–48 KiB L1.
constexpr size_t kColumnBlock = 512;
// Budget of the widened-weights buffer in floats (256 KiB, a quarter of a typical L2).
constexpr size_t kWidenedFloats = 64 * 1024;

size_t roundUp(size_t n, size_t m) { return (n + m - 1) / m * m; }

// Per-thread scratch that keeps its capacity across calls; decode issues hundreds of
// matmuls per token and must not allocate. Slot 0: padded input, slot 1: widened weights.
float* scratch(int slot, size_t floats)
{
    thread_local std::array<hwy::AlignedFreeUniquePtr<float[]>, 2> buffers;
    thread_local std::array<size_t, 2> capacity{};
    if (capacity[size_t(slot)] < floats) {
        buffers[size_t(slot)] = hwy::AllocateAligned<float>(floats);
        capacity[size_t(slot)] = floats;
    }
    return buffers[size_t(slot)].get();
}

// ---- decode: stream weight rows o..o+3 once for TT input rows -----------------------------

// U accumulators per (input row, weight row) hide FMA latency when TT alone is too few.
template <size_t TT, size_t U, typename W>
HWY_NOINLINE void streamGroup(const float* x, size_t I, const W* w, size_t O, size_t o, float* out, size_t prefetch)
{
    const DF df;
    const size_t N = hn::Lanes(df);
    const W* rows[4];
    for (size_t r = 0; r < 4; ++r) rows[r] = w + std::min(o + r, O - 1) * I; // clamp: padding rows
    VF acc[U][TT][4];
    for (size_t u = 0; u < U; ++u)
        for (size_t t = 0; t < TT; ++t)
            for (size_t r = 0; r < 4; ++r) acc[u][t][r] = hn::Zero(df);
    size_t k = 0;
    for (; k + U * N <= I; k += U * N) {
        for (size_t u = 0; u < U; ++u) {
            VF xv[TT];
            for (size_t t = 0; t < TT; ++t) xv[t] = hn::LoadU(df, x + t * I + k + u * N);
            for (size_t r = 0; r < 4; ++r) {
                hwy::Prefetch(rows[r] + prefetch + k + u * N);
                const VF wv = loadWidened(df, rows[r] + k + u * N);
                for (size_t t = 0; t < TT; ++t) acc[u][t][r] = hn::MulAdd(xv[t], wv, acc[u][t][r]);
            }
        }
    }
    for (; k + N <= I; k += N) {
        for (size_t r = 0; r < 4; ++r) {
            const VF wv = loadWidened(df, rows[r] + k);
            for (size_t t = 0; t < TT; ++t) acc[0][t][r] = hn::MulAdd(hn::LoadU(df, x + t * I + k), wv, acc[0][t][r]);
        }
    }
    for (size_t t = 0; t < TT; ++t) {
        for (size_t u = 1; u < U; ++u)
            for (size_t r = 0; r < 4; ++r) acc[0][t][r] = hn::Add(acc[0][t][r], acc[u][t][r]);
        float* dst = out + t * O + o;
        if (k == I && o + 4 <= O) {
            storeSum4(acc[0][t][0], acc[0][t][1], acc[0][t][2], acc[0][t][3], dst, false);
            continue;
        }
        float lane[4];
        storeSum4(acc[0][t][0], acc[0][t][1], acc[0][t][2], acc[0][t][3], lane, false);
        for (size_t r = 0; r < 4 && o + r < O; ++r) {
            float tail = 0.0f;
            for (size_t i = k; i < I; ++i) tail += x[t * I + i] * scalarWidened(rows[r] + i);
            dst[r] = lane[r] + tail;
        }
    }
}

template <size_t TT, typename W>
void streamRange(const float* x, size_t I, const W* w, size_t O, float* out, size_t g0, size_t g1)
{
    constexpr size_t U = TT == 1 ? 2 : 1;
    // The hardware prefetcher alone leaves DRAM bandwidth unused (measured: ~30% less);
    // fetch the same columns a whole number of groups ahead, about kPrefetchBytes away.
    const size_t rowBytes = I * sizeof(W);
    const size_t prefetch = std::clamp<size_t>(kPrefetchBytes / rowBytes / 4, 1, 16) * 4 * I;
    for (size_t g = g0; g < g1; ++g) streamGroup<TT, U>(x, I, w, O, g * 4, out, prefetch);
}

// ---- prefill: widened weight block × register-blocked tiles --------------------------------

// out[t][0..oValid) (=|+=) x[t]·wᵀ for TT rows of x and 4 widened rows of w, kPad columns.
template <size_t TT>
HWY_NOINLINE void gemmTile(const float* x, size_t xStride, const float* w, size_t kPad, float* out, size_t outStride,
                           size_t oValid, bool accumulate)
{
    const DF df;
    const size_t N = hn::Lanes(df);
    VF acc[TT][4];
    for (size_t t = 0; t < TT; ++t)
        for (size_t r = 0; r < 4; ++r) acc[t][r] = hn::Zero(df);
    for (size_t k = 0; k < kPad; k += N) {
        VF wv[4];
        for (size_t r = 0; r < 4; ++r) wv[r] = hn::Load(df, w + r * kPad + k);
        for (size_t t = 0; t < TT; ++t) {
            const VF xv = hn::LoadU(df, x + t * xStride + k);
            for (size_t r = 0; r < 4; ++r) acc[t][r] = hn::MulAdd(xv, wv[r], acc[t][r]);
        }
    }
    for (size_t t = 0; t < TT; ++t) {
        float* dst = out + t * outStride;
        if (oValid == 4) {
            storeSum4(acc[t][0], acc[t][1], acc[t][2], acc[t][3], dst, accumulate);
            continue;
        }
        float lane[4];
        storeSum4(acc[t][0], acc[t][1], acc[t][2], acc[t][3], lane, false);
        for (size_t r = 0; r < oValid; ++r) dst[r] = accumulate ? dst[r] + lane[r] : lane[r];
    }
}

using TileFn = void (*)(const float*, size_t, const float*, size_t, float*, size_t, size_t, bool);

template <size_t... Is>
constexpr std::array<TileFn, sizeof...(Is)> makeTiles(std::index_sequence<Is...>)
{
    return {&gemmTile<Is + 1>...};
}

// Copies n weights of row src into dst as fp32, zero-padded to nPad.
template <typename W>
void widenRow(const W* src, float* dst, size_t n, size_t nPad)
{
    const DF df;
    const size_t N = hn::Lanes(df);
    size_t i = 0;
    for (; i + N <= n; i += N) hn::Store(loadWidened(df, src + i), df, dst + i);
    for (; i < n; ++i) dst[i] = scalarWidened(src + i);
    for (; i < nPad; ++i) dst[i] = 0.0f;
}

// Rows [t0,t1) × output columns [o0,o1). x has stride xStride ≥ roundUp(I, lanes), zero-padded.
template <typename W>
void gemmRange(const float* x, size_t xStride, const W* w, size_t I, size_t O, float* out, size_t t0, size_t t1,
               size_t o0, size_t o1)
{
    static constexpr auto kTiles = makeTiles(std::make_index_sequence<kTileRows>());
    const size_t N = hn::Lanes(DF());
    const size_t kc = I <= 2 * kColumnBlock ? I : kColumnBlock;
    for (size_t kb = 0; kb < I; kb += kc) {
        const size_t kLen = std::min(kc, I - kb), kPad = roundUp(kLen, N);
        const size_t oc = std::clamp<size_t>(kWidenedFloats / kPad / 4 * 4, 4, 256);
        for (size_t ob = o0; ob < o1; ob += oc) {
            const size_t oLen = std::min(oc, o1 - ob), oLen4 = roundUp(oLen, 4);
            float* buf = scratch(1, oLen4 * kPad);
            for (size_t r = 0; r < oLen; ++r) widenRow(w + (ob + r) * I + kb, buf + r * kPad, kLen, kPad);
            std::fill(buf + oLen * kPad, buf + oLen4 * kPad, 0.0f);
            for (size_t t = t0; t < t1; t += kTileRows) {
                const TileFn tile = kTiles[std::min(kTileRows, t1 - t) - 1];
                for (size_t o = 0; o < oLen; o += 4)
                    tile(x + t * xStride + kb, xStride, buf + o * kPad, kPad, out + t * O + ob + o, O,
                         std::min<size_t>(4, oLen - o), kb > 0);
            }
        }
    }
}

template <typename W>
void matmulTyped(ThreadPool& pool, float* out, const float* in, const W* w, size_t T, size_t I, size_t O)
{
    const size_t groups = (O + 3) / 4, threads = size_t(pool.size());
    if (T <= kMaxStreamRows) {
        pool.parallelFor(int64_t(groups), 1, [&](int64_t g0, int64_t g1) {
            for (size_t t = 0; t < T; t += kMaxStreamRows) {
                const size_t tt = std::min(kMaxStreamRows, T - t);
                const float* x = in + t * I;
                float* y = out + t * O;
                if (tt == 1) streamRange<1>(x, I, w, O, y, size_t(g0), size_t(g1));
                if (tt == 2) streamRange<2>(x, I, w, O, y, size_t(g0), size_t(g1));
                if (tt == 3) streamRange<3>(x, I, w, O, y, size_t(g0), size_t(g1));
            }
        });
        return;
    }
    // The micro-kernel reads whole vectors: pad input rows to a multiple of the lane count.
    const float* x = in;
    size_t xStride = I;
    const size_t iPad = roundUp(I, hn::Lanes(DF()));
    if (iPad != I) {
        float* padded = scratch(0, T * iPad);
        for (size_t t = 0; t < T; ++t) {
            std::copy(in + t * I, in + (t + 1) * I, padded + t * iPad);
            std::fill(padded + t * iPad + I, padded + (t + 1) * iPad, 0.0f);
        }
        x = padded;
        xStride = iPad;
    }
    if (groups >= 4 * threads || T < 2 * kTileRows) {
        pool.parallelFor(int64_t(groups), 1, [&](int64_t g0, int64_t g1) {
            gemmRange(x, xStride, w, I, O, out, 0, T, size_t(g0) * 4, std::min(O, size_t(g1) * 4));
        });
    } else {
        pool.parallelFor(int64_t(T), int64_t(kTileRows), [&](int64_t t0, int64_t t1) {
            gemmRange(x, xStride, w, I, O, out, size_t(t0), size_t(t1), 0, O);
        });
    }
}

void matmulImpl(ThreadPool& pool, const DTensor& out, const DTensor& in, const DTensor& weight)
{
    const size_t T = size_t(in.rows), I = size_t(in.cols), O = size_t(weight.rows);
    assert(size_t(weight.cols) == I && size_t(out.rows) == T && size_t(out.cols) == O);
    switch (weight.dtype) {
    case DType::F32: matmulTyped(pool, out.f32(), in.f32(), static_cast<const float*>(weight.data), T, I, O); break;
    case DType::F16:
        matmulTyped(pool, out.f32(), in.f32(), static_cast<const hwy::float16_t*>(weight.data), T, I, O);
        break;
    case DType::BF16:
        matmulTyped(pool, out.f32(), in.f32(), static_cast<const hwy::bfloat16_t*>(weight.data), T, I, O);
        break;
    default: assert(false && "matmul weights must be f32, f16 or bf16");
    }
}

const char* targetName() { return hwy::TargetName(HWY_TARGET); }

} // namespace rwkv::cpu::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace rwkv::cpu {

HWY_EXPORT(matmulImpl);
HWY_EXPORT(targetName);

const char* simdTargetName() { return HWY_DYNAMIC_DISPATCH(targetName)(); }

void matmulKernel(ThreadPool& pool, const DTensor& out, const DTensor& in, const DTensor& weight)
{
    HWY_DYNAMIC_DISPATCH(matmulImpl)(pool, out, in, weight);
}

} // namespace rwkv::cpu
#endif
