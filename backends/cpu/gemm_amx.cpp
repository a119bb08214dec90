// AMX prefill matmul (see gemm_amx.h). TDPBF16PS computes C[16×16] += A[16×32] · B[32×16] with
// B in "VNNI" layout: row r holds the 16 column pairs (b[2r][n], b[2r+1][n]). Here A is a
// 16-row × 32-column block of the weights, loaded as stored (row-major [O,I]), and B the
// activations, packed once per call into that layout (hi, mid and lo tiles), so C comes out as
// [output][input row] and is transposed on the way to `out`. Register tiles: four C (32
// outputs × 32 input rows), two weight tiles, two activation tiles: each loaded tile serves
// two products.
// Blocking: the activation tiles of a block of input rows (≤ 1 MiB, within a typical L2 of
// AMX CPUs) are reused by every 32-row weight block of the thread's share of outputs; each
// weight block (≤ 32 × I bf16) is reused from L2 by every pair of row tiles of that block.
#include "backends/cpu/gemm_amx.h"

#include "backends/cpu/x86_intrinsics.h"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cstdlib>

#if RWKV_CPU_AMX
#include <cpuid.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace rwkv::cpu {

namespace {

std::atomic<bool>& switchedOn()
{
    static std::atomic<bool> on{environmentSwitch("RWKV_CPU_AMX", true)};
    return on;
}

} // namespace

void setAmxEnabled(bool on) { switchedOn().store(on); }

bool amxEnabled() { return amxState() == AmxState::On; }

#if RWKV_CPU_AMX

#define RWKV_AMX_TARGET __attribute__((target("amx-tile,amx-bf16,avx512f,avx512bw,avx512bf16")))

namespace {

constexpr size_t kRows = 16;       // rows of every tile; also the fp32 columns of a C tile
constexpr size_t kDepth = 32;      // bf16 columns of a weight tile (64 bytes)
constexpr size_t kTileWords = 256; // 32-bit words of one tile (1 KiB)
constexpr size_t kParts = 3;       // bf16 terms per activation
// Activation tiles of one block of input rows: kept in L2 while the weight blocks pass.
constexpr size_t kRowBlockBytes = size_t(1) << 20;

bool cpuHasAmx()
{
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
    const bool amxBf16 = (d >> 22) & 1u, amxTile = (d >> 24) & 1u;
    __builtin_cpu_init();
    return amxBf16 && amxTile && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512bf16");
}

// Linux enables the 8 KiB tile state per process on request (kernel 5.16+).
bool osGrantsTiles()
{
    constexpr long kReqXcompPerm = 0x1023, kXfeatureXtiledata = 18;
    return syscall(SYS_arch_prctl, kReqXcompPerm, kXfeatureXtiledata) == 0;
}

struct alignas(64) TileConfig {
    uint8_t palette = 1;
    uint8_t startRow = 0;
    uint8_t reserved[14] = {};
    uint16_t bytesPerRow[16] = {};
    uint8_t rows[16] = {};
};

// All eight tiles 16 rows × 64 bytes; per thread, before its first tile instruction.
RWKV_AMX_TARGET void configureTiles()
{
    TileConfig config;
    for (int i = 0; i < 8; ++i) {
        config.bytesPerRow[i] = 64;
        config.rows[i] = kRows;
    }
    _tile_loadconfig(&config);
}

// 16 bf16 (half of a term's 32 columns) as fp32.
RWKV_AMX_TARGET inline __m512 widenHalf(__m256i bf16) { return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(bf16), 16)); }

// The hi, mid and lo tiles of input rows [16·tt, 16·tt + 16) × columns [32·kt, 32·kt + 32) at
// packed + ((tt·Kt + kt)·kParts + part)·kTileWords, rows past T and columns past I zero.
RWKV_AMX_TARGET void packActivations(const float* x, size_t T, size_t I, size_t Kt, uint32_t* packed, size_t tt0,
                                     size_t tt1)
{
    // Lane r (the pair of columns 2r, 2r+1) goes to row r of the tile.
    const __m512i tileRow = _mm512_mullo_epi32(
        _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0), _mm512_set1_epi32(int(kRows)));
    for (size_t tt = tt0; tt < tt1; ++tt)
        for (size_t kt = 0; kt < Kt; ++kt) {
            uint32_t* tiles = packed + (tt * Kt + kt) * kParts * kTileWords;
            const size_t k = kt * kDepth, left = std::min(kDepth, I - k);
            const __mmask16 first = _cvtu32_mask16(left >= 16 ? 0xffffu : (1u << left) - 1u);
            const __mmask16 second = _cvtu32_mask16(left >= 32 ? 0xffffu : left > 16 ? (1u << (left - 16)) - 1u : 0u);
            for (size_t r = 0; r < kRows; ++r) {
                const size_t t = tt * kRows + r;
                __m512 a = _mm512_setzero_ps(), b = _mm512_setzero_ps(); // columns k..k+15, k+16..k+31
                if (t < T) {
                    a = _mm512_maskz_loadu_ps(first, x + t * I + k);
                    b = _mm512_maskz_loadu_ps(second, x + t * I + k + 16);
                }
                for (size_t part = 0; part < kParts; ++part) { // each term rounds what the last left
                    const __m512i term = (__m512i)_mm512_cvtne2ps_pbh(b, a);
                    _mm512_i32scatter_epi32(tiles + part * kTileWords + r, tileRow, term, 4);
                    a = _mm512_sub_ps(a, widenHalf(_mm512_castsi512_si256(term)));
                    b = _mm512_sub_ps(b, widenHalf(_mm512_extracti64x4_epi64(term, 1)));
                }
            }
        }
}

struct WeightTile {
    const uint16_t* data;
    size_t strideBytes;
};

// Weight rows [o, o + 16) × columns [32·kt, 32·kt + 32): in place, or copied with zeros past
// O and I into `edge` where the tile crosses the matrix's edge.
WeightTile weightTile(const uint16_t* w, size_t I, size_t O, size_t o, size_t kt, uint16_t* edge)
{
    const size_t k = kt * kDepth;
    if (o + kRows <= O && k + kDepth <= I) return {w + o * I + k, I * sizeof(uint16_t)};
    for (size_t r = 0; r < kRows; ++r)
        for (size_t j = 0; j < kDepth; ++j)
            edge[r * kDepth + j] = o + r < O && k + j < I ? w[(o + r) * I + k + j] : uint16_t(0);
    return {edge, kDepth * sizeof(uint16_t)};
}

// GCC's tile loads are asm statements without memory operands: without this, stores to
// `edge` just before them could be moved past them (or dropped as never read).
inline void compilerBarrier() { __asm__ volatile("" ::: "memory"); }

// out rows [0, T) × outputs of the 32-row weight blocks [ob0, ob1).
RWKV_AMX_TARGET void tileRange(const uint32_t* packed, size_t T, size_t Tt, size_t Kt, size_t rowBlock,
                               const uint16_t* w, size_t I, size_t O, float* out, size_t ob0, size_t ob1)
{
    configureTiles();
    alignas(64) uint16_t edge[2][kRows * kDepth];
    alignas(64) float c[4][kRows * kRows];
    for (size_t tb = 0; tb < Tt; tb += rowBlock)
        for (size_t ob = ob0; ob < ob1; ++ob) {
            const size_t o = ob * 2 * kRows;
            for (size_t tt = tb; tt < std::min(Tt, tb + rowBlock); tt += 2) {
                _tile_zero(0);
                _tile_zero(1);
                _tile_zero(2);
                _tile_zero(3);
                for (size_t kt = 0; kt < Kt; ++kt) {
                    const WeightTile w0 = weightTile(w, I, O, o, kt, edge[0]);
                    const WeightTile w1 = weightTile(w, I, O, o + kRows, kt, edge[1]);
                    compilerBarrier();
                    _tile_loadd(4, w0.data, w0.strideBytes);
                    _tile_loadd(5, w1.data, w1.strideBytes);
                    const uint32_t* x0 = packed + (tt * Kt + kt) * kParts * kTileWords;
                    const uint32_t* x1 = packed + ((tt + 1) * Kt + kt) * kParts * kTileWords;
                    for (size_t part = 0; part < kParts; ++part) { // hi, mid, lo
                        _tile_loadd(6, x0 + part * kTileWords, 64);
                        _tile_loadd(7, x1 + part * kTileWords, 64);
                        _tile_dpbf16ps(0, 4, 6);
                        _tile_dpbf16ps(1, 5, 6);
                        _tile_dpbf16ps(2, 4, 7);
                        _tile_dpbf16ps(3, 5, 7);
                    }
                }
                _tile_stored(0, c[0], 64);
                _tile_stored(1, c[1], 64);
                _tile_stored(2, c[2], 64);
                _tile_stored(3, c[3], 64);
                // c[2·ti + oi] is [output o + 16·oi + i][input row 16·(tt + ti) + j].
                for (size_t ti = 0; ti < 2; ++ti)
                    for (size_t j = 0; j < kRows && (tt + ti) * kRows + j < T; ++j) {
                        float* dst = out + ((tt + ti) * kRows + j) * O;
                        for (size_t oi = 0; oi < 2; ++oi)
                            for (size_t i = 0; i < kRows && o + oi * kRows + i < O; ++i)
                                dst[o + oi * kRows + i] = c[2 * ti + oi][i * kRows + j];
                    }
            }
        }
    _tile_release();
}

} // namespace

AmxState amxState()
{
    static const AmxState available = [] {
        if (!cpuHasAmx()) return AmxState::NoCpu;
        return osGrantsTiles() ? AmxState::Off : AmxState::NoOs;
    }();
    if (available != AmxState::Off) return available;
    return switchedOn().load() ? AmxState::On : AmxState::Off;
}

void gemmAmx(ThreadPool& pool, float* out, const float* in, const uint16_t* w, size_t T, size_t I, size_t O)
{
    assert(amxState() == AmxState::On || amxState() == AmxState::Off);
    const size_t Tt = (T + 2 * kRows - 1) / (2 * kRows) * 2; // row tiles, even (pairs)
    const size_t Kt = (I + kDepth - 1) / kDepth;
    // Slot 0 of the calling thread, as the other prefill paths' packed input.
    auto* packed = reinterpret_cast<uint32_t*>(pool.scratch(0, Tt * Kt * kParts * kTileWords));
    pool.parallelFor(int64_t(Tt), 1, [&](int64_t tt0, int64_t tt1) {
        packActivations(in, T, I, Kt, packed, size_t(tt0), size_t(tt1));
    });
    const size_t tileBytes = Kt * kParts * kTileWords * sizeof(uint32_t);
    const size_t rowBlock = std::max<size_t>(2, kRowBlockBytes / tileBytes / 2 * 2);
    const size_t blocks = (O + 2 * kRows - 1) / (2 * kRows);
    const size_t share = (blocks + size_t(pool.size()) - 1) / size_t(pool.size());
    pool.parallelFor(int64_t(blocks), int64_t(share), [&](int64_t b0, int64_t b1) {
        tileRange(packed, T, Tt, Kt, rowBlock, w, I, O, out, size_t(b0), size_t(b1));
    });
}

#else

AmxState amxState() { return AmxState::NotBuilt; }

void gemmAmx(ThreadPool&, float*, const float*, const uint16_t*, size_t, size_t, size_t)
{
    assert(false && "gemmAmx called in a build without AMX");
    std::abort();
}

#endif

} // namespace rwkv::cpu
