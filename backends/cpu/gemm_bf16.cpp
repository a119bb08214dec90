// AVX512-BF16 prefill matmul (see gemm_bf16.h). The layout is the fp32 dot-product tiles' of
// kernels_gemm.cpp: kTileRows input rows × 4 weight rows per register tile, vectorised along
// I, so vdpbf16ps's element pairs are consecutive columns of both operands and the bf16
// weights are read as stored, with no widening pass. Each vdpbf16ps does 32 multiply-adds
// where an fp32 FMA does 16. Activations are rounded to bf16 once per call into a packed
// buffer. Per k-step a tile issues 24 dot products against 10 loads, so it is bound by
// dot-product throughput while its operands stay in L1 (inputs) and L2 (the weight block).
#include "backends/cpu/gemm_bf16.h"

#include "backends/cpu/block_prefetcher.h"
#include "backends/cpu/x86_intrinsics.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cassert>
#include <cstdlib>
#include <utility>

namespace rwkv::cpu {

namespace {

std::atomic<bool>& switchedOn()
{
    static std::atomic<bool> on{environmentSwitch("RWKV_CPU_BF16_DOT", false)};
    return on;
}

} // namespace

void setBf16DotEnabled(bool on) { switchedOn().store(on); }

bool bf16DotEnabled() { return bf16DotState() == Bf16DotState::On; }

#if RWKV_CPU_BF16_DOT

#define RWKV_BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512dq,avx512bf16")))

namespace {

// 6×4 accumulators + 4 weight vectors + 1 input vector: 29 of the 32 vector registers.
constexpr size_t kTileRows = 6;
// bf16 elements per vector (16 lanes of pairs).
constexpr size_t kLanes = 32;
// Column blocks: the bytes of the fp32 tiles' blocks, twice the elements, so kTileRows input
// rows and 4 weight rows of a block stay in L1.
constexpr size_t kMaxUnblocked = 2048;
constexpr size_t kColumnBlock = 1536;
// Weight rows of one column block reused from L2 by every tile of input rows: 256 KiB, a
// quarter of a typical L2, as the fp32 tiles' widened buffer.
constexpr size_t kWeightBlockBytes = 256 * 1024;
// Output rows per thread before the threads split the input rows instead (as kernels_gemm.cpp).
constexpr size_t kMinRows = 64;

size_t roundUp(size_t n, size_t m) { return (n + m - 1) / m * m; }

// {Σa, Σb, Σc, Σd}: pairs interleaved inside each 128-bit block, then the blocks added (the
// fp32 tiles' storeSum4 in intrinsics).
RWKV_BF16_TARGET inline __m128 sum4(__m512 a, __m512 b, __m512 c, __m512 d)
{
    const __m512d ab = _mm512_castps_pd(_mm512_add_ps(_mm512_unpacklo_ps(a, b), _mm512_unpackhi_ps(a, b)));
    const __m512d cd = _mm512_castps_pd(_mm512_add_ps(_mm512_unpacklo_ps(c, d), _mm512_unpackhi_ps(c, d)));
    const __m512 abcd =
        _mm512_add_ps(_mm512_castpd_ps(_mm512_unpacklo_pd(ab, cd)), _mm512_castpd_ps(_mm512_unpackhi_pd(ab, cd)));
    const __m256 half = _mm256_add_ps(_mm512_castps512_ps256(abcd), _mm512_extractf32x8_ps(abcd, 1));
    return _mm_add_ps(_mm256_castps256_ps128(half), _mm256_extractf128_ps(half, 1));
}

// out[t][0..rows) (=|+=) x[t]·w[r] over kLen columns for TT input rows and `rows` ≤ 4 weight
// rows wStride apart. x rows are readable up to roundUp(kLen, kLanes).
template <size_t TT>
RWKV_BF16_TARGET __attribute__((noinline)) void dotTile(const uint16_t* x, size_t xStride, const uint16_t* w,
                                                        size_t wStride, size_t rows, size_t kLen, float* out,
                                                        size_t outStride, bool accumulate)
{
    const uint16_t* wr[4];
    for (size_t r = 0; r < 4; ++r) wr[r] = w + std::min(r, rows - 1) * wStride; // missing rows repeat the last
    __m512 acc[TT][4];
    for (size_t t = 0; t < TT; ++t)
        for (size_t r = 0; r < 4; ++r) acc[t][r] = _mm512_setzero_ps();
    size_t k = 0;
    for (; k + kLanes <= kLen; k += kLanes) {
        __m512bh wv[4];
        for (size_t r = 0; r < 4; ++r) wv[r] = (__m512bh)_mm512_loadu_si512(wr[r] + k);
        for (size_t t = 0; t < TT; ++t) {
            const __m512bh xv = (__m512bh)_mm512_loadu_si512(x + t * xStride + k);
            for (size_t r = 0; r < 4; ++r) acc[t][r] = _mm512_dpbf16_ps(acc[t][r], xv, wv[r]);
        }
    }
    if (k < kLen) {
        // Masked: past kLen lie the next column block, the next row, or the matrix's end.
        const __mmask32 m = _cvtu32_mask32((1u << (kLen - k)) - 1u);
        __m512bh wv[4];
        for (size_t r = 0; r < 4; ++r) wv[r] = (__m512bh)_mm512_maskz_loadu_epi16(m, wr[r] + k);
        for (size_t t = 0; t < TT; ++t) {
            const __m512bh xv = (__m512bh)_mm512_maskz_loadu_epi16(m, x + t * xStride + k);
            for (size_t r = 0; r < 4; ++r) acc[t][r] = _mm512_dpbf16_ps(acc[t][r], xv, wv[r]);
        }
    }
    for (size_t t = 0; t < TT; ++t) {
        const __m128 sums = sum4(acc[t][0], acc[t][1], acc[t][2], acc[t][3]);
        float* dst = out + t * outStride;
        if (rows == 4) {
            _mm_storeu_ps(dst, accumulate ? _mm_add_ps(sums, _mm_loadu_ps(dst)) : sums);
            continue;
        }
        float lane[4];
        _mm_storeu_ps(lane, sums);
        for (size_t r = 0; r < rows; ++r) dst[r] = accumulate ? dst[r] + lane[r] : lane[r];
    }
}

using DotTileFn = void (*)(const uint16_t*, size_t, const uint16_t*, size_t, size_t, size_t, float*, size_t, bool);

template <size_t... Is>
constexpr std::array<DotTileFn, sizeof...(Is)> makeDotTiles(std::index_sequence<Is...>)
{
    return {&dotTile<Is + 1>...};
}

// dst row t = src row t rounded to bf16 (nearest even), zero-padded to stride (a multiple of kLanes).
RWKV_BF16_TARGET void packRows(const float* src, size_t T, size_t I, uint16_t* dst, size_t stride)
{
    for (size_t t = 0; t < T; ++t)
        for (size_t i = 0; i < stride; i += kLanes) {
            const size_t left = i < I ? I - i : 0;
            const float* p = src + t * I + i;
            const __mmask16 lo = _cvtu32_mask16(left >= 16 ? 0xffffu : (1u << left) - 1u);
            const __mmask16 hi = _cvtu32_mask16(left >= 32 ? 0xffffu : left > 16 ? (1u << (left - 16)) - 1u : 0u);
            const __m512 a = left > 0 ? _mm512_maskz_loadu_ps(lo, p) : _mm512_setzero_ps();
            const __m512 b = left > 16 ? _mm512_maskz_loadu_ps(hi, p + 16) : _mm512_setzero_ps();
            _mm512_storeu_si512(dst + t * stride + i, (__m512i)_mm512_cvtne2ps_pbh(b, a));
        }
}

// Rows [t0,t1) × outputs [o0,o1); weight blocks in the order of kernels_gemm.cpp's dotRange,
// read in place instead of widened, the next one prefetched while this one is computed.
RWKV_BF16_TARGET void dotRange(const uint16_t* x, size_t xStride, const uint16_t* w, size_t I, size_t O, float* out,
                               size_t t0, size_t t1, size_t o0, size_t o1)
{
    static constexpr auto kTiles = makeDotTiles(std::make_index_sequence<kTileRows>());
    const size_t blocks = I <= kMaxUnblocked ? 1 : (I + kColumnBlock / 2) / kColumnBlock;
    const size_t kc = roundUp((I + blocks - 1) / blocks, kLanes);
    const size_t tTiles = (t1 - t0 + kTileRows - 1) / kTileRows;
    BlockPrefetcher prefetcher;
    for (size_t kb = 0; kb < I; kb += kc) {
        const size_t kLen = std::min(kc, I - kb);
        const size_t oc = std::clamp<size_t>(kWeightBlockBytes / (kLen * sizeof(uint16_t)) / 4 * 4, 4, 256);
        for (size_t ob = o0; ob < o1; ob += oc) {
            const size_t oLen = std::min(oc, o1 - ob);
            const size_t nextO = ob + oLen < o1 ? ob + oLen : o0, nextK = ob + oLen < o1 ? kb : kb + kc;
            const size_t nextRows = nextK < I ? std::min(oc, o1 - nextO) : 0;
            prefetcher.reset(reinterpret_cast<const char*>(w + nextO * I + std::min(nextK, I)), I * sizeof(uint16_t),
                             std::min(kc, I - std::min(nextK, I)) * sizeof(uint16_t), nextRows,
                             tTiles * ((oLen + 3) / 4));
            for (size_t t = t0; t < t1; t += kTileRows) {
                const DotTileFn tile = kTiles[std::min(kTileRows, t1 - t) - 1];
                for (size_t o = 0; o < oLen; o += 4) {
                    prefetcher.step();
                    tile(x + t * xStride + kb, xStride, w + (ob + o) * I + kb, I, std::min<size_t>(4, oLen - o), kLen,
                         out + t * O + ob + o, O, kb > 0);
                }
            }
        }
    }
}

} // namespace

Bf16DotState bf16DotState()
{
    static const bool cpu = [] {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bf16");
    }();
    if (!cpu) return Bf16DotState::NoCpu;
    return switchedOn().load() ? Bf16DotState::On : Bf16DotState::Off;
}

void gemmBf16Dot(ThreadPool& pool, float* out, const float* in, const uint16_t* w, size_t T, size_t I, size_t O)
{
    assert(bf16DotState() == Bf16DotState::On || bf16DotState() == Bf16DotState::Off);
    // Slot 0 of the calling thread, as the fp32 GEMM's padded input: it keeps its capacity.
    const size_t xStride = roundUp(I, kLanes);
    auto* x = reinterpret_cast<uint16_t*>(pool.scratch(0, (T * xStride + 1) / 2));
    packRows(in, T, I, x, xStride);
    if (O >= kMinRows * size_t(pool.size()) || T < 2 * kTileRows) {
        pool.parallelFor(int64_t(O), int64_t(kMinRows), [&](int64_t o0, int64_t o1) {
            dotRange(x, xStride, w, I, O, out, 0, T, size_t(o0), size_t(o1));
        });
    } else {
        pool.parallelFor(int64_t(T), int64_t(kTileRows), [&](int64_t t0, int64_t t1) {
            dotRange(x, xStride, w, I, O, out, size_t(t0), size_t(t1), 0, O);
        });
    }
}

#else

Bf16DotState bf16DotState() { return Bf16DotState::NotBuilt; }

void gemmBf16Dot(ThreadPool&, float*, const float*, const uint16_t*, size_t, size_t, size_t)
{
    assert(false && "gemmBf16Dot called in a build without AVX512-BF16");
    std::abort();
}

#endif

} // namespace rwkv::cpu
