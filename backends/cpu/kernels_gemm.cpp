// Prefill matmul, out[T,O] = in[T,I] · Wᵀ for more input rows than the streaming loops of
// kernels_matmul.cpp take; bound by FMA throughput. Weights are widened to fp32 once per
// call into an L2-sized scratch buffer and reused by every tile of input rows, so the inner
// loops are pure fp32 FMA. int8 and 4-bit weights are dequantized (times their block scale)
// in that same widening step.
//  * I > kSmallI: dot-product tiles of kTileRows input rows × 4 weight rows, vectorised
//    along I; the 4 sums of a tile row are reduced together and stored as one 4-float row.
//    Columns are blocked so a tile's operands stay in L1.
//  * I ≤ kSmallI (the second matrix of each LoRA pair): with so few columns the horizontal
//    sums would cost as much as the FMAs, so the weights are transposed into panels of
//    consecutive outputs and each input element is broadcast against a panel row
//    (outer-product form): no reductions at all.
#include "backends/cpu/block_prefetcher.h"
#include "backends/cpu/thread_pool.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <utility>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "backends/cpu/kernels_gemm.cpp"
#include <hwy/foreach_target.h> // IWYU pragma: keep
#include <hwy/highway.h>

#include "backends/cpu/gemm_inl.h"
#include "backends/cpu/simd_inl.h"

HWY_BEFORE_NAMESPACE();
namespace rwkv::cpu::HWY_NAMESPACE {

// AVX-512 has 32 registers: 6×4 accumulators + 4 weights + 1 input. 16-register targets: 3×4.
constexpr bool kWideRegisterFile = HWY_TARGET <= HWY_AVX3;
constexpr size_t kTileRows = kWideRegisterFile ? 6 : 3;
// Outer-product tiles: kPanelRows input rows × kPanelVectors vectors of outputs.
constexpr size_t kPanelRows = kWideRegisterFile ? 6 : 4;
constexpr size_t kPanelVectors = kWideRegisterFile ? 4 : 2;
// Columns up to this many are one block; longer rows are cut into near-equal blocks of
// about kColumnBlock so kTileRows + 4 rows of a block (~30 KiB) stay in a 48 KiB L1.
constexpr size_t kMaxUnblocked = 1024;
constexpr size_t kColumnBlock = 768;
// Widened-weights buffer budget in floats (256 KiB, a quarter of a typical L2).
constexpr size_t kWidenedFloats = 64 * 1024;

size_t roundUp(size_t n, size_t m) { return (n + m - 1) / m * m; }

// ---- dot-product form ----------------------------------------------------------------------

// out[t][0..oValid) (=|+=) x[t]·wᵀ for TT rows of x and 4 widened rows of w over kPad columns.
template <size_t TT>
HWY_NOINLINE void dotTile(const float* x, size_t xStride, const float* w, size_t kPad, float* out, size_t outStride,
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

using DotTileFn = void (*)(const float*, size_t, const float*, size_t, float*, size_t, size_t, bool);

template <size_t... Is>
constexpr std::array<DotTileFn, sizeof...(Is)> makeDotTiles(std::index_sequence<Is...>)
{
    return {&dotTile<Is + 1>...};
}

// Copies n weights of row src into dst as fp32, zero-padded to nPad.
template <typename W>
void widenRow(W src, float* dst, size_t n, size_t nPad)
{
    const DF df;
    const size_t N = hn::Lanes(df);
    size_t i = 0;
    for (; i + N <= n; i += N) hn::StoreU(loadWidened(df, src + i), df, dst + i);
    for (; i < n; ++i) dst[i] = scalarWidened(src + i);
    for (; i < nPad; ++i) dst[i] = 0.0f;
}

// Rows [t0,t1) × outputs [o0,o1). x rows have stride xStride ≥ roundUp(I, lanes), zero-padded.
template <typename W>
void dotRange(ThreadPool& pool, const float* x, size_t xStride, W w, size_t I, size_t O, float* out, size_t t0,
              size_t t1, size_t o0, size_t o1)
{
    static constexpr auto kTiles = makeDotTiles(std::make_index_sequence<kTileRows>());
    const size_t N = hn::Lanes(DF());
    const size_t blocks = I <= kMaxUnblocked ? 1 : (I + kColumnBlock / 2) / kColumnBlock;
    const size_t kc = roundUp((I + blocks - 1) / blocks, N);
    const size_t tTiles = (t1 - t0 + kTileRows - 1) / kTileRows;
    BlockPrefetcher prefetcher;
    for (size_t kb = 0; kb < I; kb += kc) {
        const size_t kLen = std::min(kc, I - kb), kPad = roundUp(kLen, N);
        const size_t oc = std::clamp<size_t>(kWidenedFloats / kPad / 4 * 4, 4, 256);
        for (size_t ob = o0; ob < o1; ob += oc) {
            const size_t oLen = std::min(oc, o1 - ob), oLen4 = roundUp(oLen, 4);
            float* buf = pool.scratch(1, oLen4 * kPad);
            for (size_t r = 0; r < oLen; ++r) widenRow(w + (ob + r) * I + kb, buf + r * kPad, kLen, kPad);
            std::fill(buf + oLen * kPad, buf + oLen4 * kPad, 0.0f);
            // The next block: more rows of this column block, or the first rows of the next one.
            const size_t nextO = ob + oLen < o1 ? ob + oLen : o0, nextK = ob + oLen < o1 ? kb : kb + kc;
            const size_t nextRows = nextK < I ? std::min(oc, o1 - nextO) : 0;
            prefetcher.reset(static_cast<const char*>(weightAddress(w + nextO * I + std::min(nextK, I))),
                             weightBytes<W>(I), weightBytes<W>(std::min(kc, I - std::min(nextK, I))), nextRows,
                             tTiles * (oLen4 / 4));
            for (size_t t = t0; t < t1; t += kTileRows) {
                const DotTileFn tile = kTiles[std::min(kTileRows, t1 - t) - 1];
                for (size_t o = 0; o < oLen; o += 4) {
                    prefetcher.step();
                    tile(x + t * xStride + kb, xStride, buf + o * kPad, kPad, out + t * O + ob + o, O,
                         std::min<size_t>(4, oLen - o), kb > 0);
                }
            }
        }
    }
}

// ---- outer-product form (small I) -----------------------------------------------------------

// out[t][0..oValid) = x[t]·panel for TT rows of x; panel is I rows of kPanelVectors vectors.
template <size_t TT>
HWY_NOINLINE void outerTile(const float* x, size_t xStride, const float* panel, size_t I, float* out,
                            size_t outStride, size_t oValid)
{
    const DF df;
    const size_t N = hn::Lanes(df), P = kPanelVectors * N;
    VF acc[TT][kPanelVectors];
    for (size_t t = 0; t < TT; ++t)
        for (size_t v = 0; v < kPanelVectors; ++v) acc[t][v] = hn::Zero(df);
    for (size_t i = 0; i < I; ++i) {
        VF wv[kPanelVectors];
        for (size_t v = 0; v < kPanelVectors; ++v) wv[v] = hn::Load(df, panel + i * P + v * N);
        for (size_t t = 0; t < TT; ++t) {
            const VF xv = hn::Set(df, x[t * xStride + i]);
            for (size_t v = 0; v < kPanelVectors; ++v) acc[t][v] = hn::MulAdd(xv, wv[v], acc[t][v]);
        }
    }
    for (size_t t = 0; t < TT; ++t) {
        float* dst = out + t * outStride;
        if (oValid == P) {
            for (size_t v = 0; v < kPanelVectors; ++v) hn::StoreU(acc[t][v], df, dst + v * N);
            continue;
        }
        HWY_ALIGN float lane[kPanelVectors * hn::MaxLanes(DF())];
        for (size_t v = 0; v < kPanelVectors; ++v) hn::Store(acc[t][v], df, lane + v * N);
        std::copy(lane, lane + oValid, dst);
    }
}

using OuterTileFn = void (*)(const float*, size_t, const float*, size_t, float*, size_t, size_t);

template <size_t... Is>
constexpr std::array<OuterTileFn, sizeof...(Is)> makeOuterTiles(std::index_sequence<Is...>)
{
    return {&outerTile<Is + 1>...};
}

// Rows [t0,t1) × outputs [o0,o1) of the small-I form; x rows have stride I.
template <typename W>
void outerRange(ThreadPool& pool, const float* x, W w, size_t I, size_t O, float* out, size_t t0, size_t t1,
                size_t o0, size_t o1)
{
    static constexpr auto kTiles = makeOuterTiles(std::make_index_sequence<kPanelRows>());
    const size_t P = kPanelVectors * hn::Lanes(DF());
    float* panel = pool.scratch(1, I * P + I);
    float* row = panel + I * P;
    for (size_t p = o0; p < o1; p += P) {
        const size_t width = std::min(P, o1 - p);
        // Transposed, widened weights: panel[i][j] = W[p + j][i], zero past the last output.
        // Rows are widened with vectors first (scalar fp16 conversion is slow), then scattered.
        for (size_t j = 0; j < width; ++j) {
            widenRow(w + (p + j) * I, row, I, I);
            for (size_t i = 0; i < I; ++i) panel[i * P + j] = row[i];
        }
        for (size_t i = 0; i < I; ++i) std::fill(panel + i * P + width, panel + (i + 1) * P, 0.0f);
        for (size_t t = t0; t < t1; t += kPanelRows)
            kTiles[std::min(kPanelRows, t1 - t) - 1](x + t * I, I, panel, I, out + t * O + p, O, width);
    }
}

// ---- entry ----------------------------------------------------------------------------------

template <typename W>
void gemm(ThreadPool& pool, float* out, const float* in, W w, size_t T, size_t I, size_t O)
{
    const size_t threads = size_t(pool.size());
    if (I <= kSmallI) {
        // Whole panels per thread; split T instead when there are too few to share.
        const size_t P = kPanelVectors * hn::Lanes(DF());
        if (O >= 2 * P * threads || T < 2 * kPanelRows) {
            pool.parallelFor(int64_t(O), int64_t(P), [&](int64_t o0, int64_t o1) {
                outerRange(pool, in, w, I, O, out, 0, T, size_t(o0), size_t(o1));
            });
        } else {
            pool.parallelFor(int64_t(T), int64_t(kPanelRows), [&](int64_t t0, int64_t t1) {
                outerRange(pool, in, w, I, O, out, size_t(t0), size_t(t1), 0, O);
            });
        }
        return;
    }
    // The dot tiles read whole vectors: pad input rows to a multiple of the lane count.
    const float* x = in;
    size_t xStride = I;
    const size_t iPad = roundUp(I, hn::Lanes(DF()));
    if (iPad != I) {
        // Pool scratch keeps its capacity across calls, so prefill does not allocate per matmul.
        // Slot 0: padded input (calling thread), slot 1: widened weights (every thread).
        float* padded = pool.scratch(0, T * iPad);
        for (size_t t = 0; t < T; ++t) {
            std::copy(in + t * I, in + (t + 1) * I, padded + t * iPad);
            std::fill(padded + t * iPad + I, padded + (t + 1) * iPad, 0.0f);
        }
        x = padded;
        xStride = iPad;
    }
    // Each thread keeps ≥ 64 output rows so every input tile loaded into L1 is reused by at
    // least 16 weight tiles; with fewer outputs the threads split the input rows instead.
    constexpr size_t kMinRows = 64;
    if (O >= kMinRows * threads || T < 2 * kTileRows) {
        pool.parallelFor(int64_t(O), int64_t(kMinRows), [&](int64_t o0, int64_t o1) {
            dotRange(pool, x, xStride, w, I, O, out, 0, T, size_t(o0), size_t(o1));
        });
    } else {
        pool.parallelFor(int64_t(T), int64_t(kTileRows), [&](int64_t t0, int64_t t1) {
            dotRange(pool, x, xStride, w, I, O, out, size_t(t0), size_t(t1), 0, O);
        });
    }
}

template void gemm<const float*>(ThreadPool&, float*, const float*, const float*, size_t, size_t, size_t);
template void gemm<const hwy::float16_t*>(ThreadPool&, float*, const float*, const hwy::float16_t*, size_t, size_t,
                                          size_t);
template void gemm<const hwy::bfloat16_t*>(ThreadPool&, float*, const float*, const hwy::bfloat16_t*, size_t, size_t,
                                           size_t);
template void gemm<Q8Ptr>(ThreadPool&, float*, const float*, Q8Ptr, size_t, size_t, size_t);
template void gemm<Q4Ptr>(ThreadPool&, float*, const float*, Q4Ptr, size_t, size_t, size_t);

} // namespace rwkv::cpu::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();
