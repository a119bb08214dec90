// out[T,O] = in[T,I] · Wᵀ with W stored [O,I] in fp32, fp16, bf16, int8 or 4-bit; fp32 accumulation.
// Decode (small T) is bound by memory bandwidth: every weight row is streamed exactly once and
// widened to fp32 in registers (int8, 4-bit: times its block's scale, weight_ptr.h). Prefill is
// bound by FMA throughput: kernels_gemm.cpp, or AMX tiles for bf16 weights (gemm_amx.h).
// Both are data-parallel over output rows (prefill also over T when O is small). Prefill of
// bf16 weights on AVX-512 targets takes AMX tiles where the CPU has them (gemm_amx.h), else
// may take the AVX512-BF16 dot products (opt-in, gemm_bf16.h).
#include "backends/cpu/gemm_amx.h"
#include "backends/cpu/gemm_bf16.h"
#include "backends/cpu/kernels.h"

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>
#include <vector>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "backends/cpu/kernels_matmul.cpp"
#include <hwy/foreach_target.h> // IWYU pragma: keep
#include <hwy/highway.h>
#include <hwy/targets.h>

#include "backends/cpu/gemm_inl.h"
#include "backends/cpu/int_dot_inl.h"
#include "backends/cpu/simd_inl.h"

HWY_BEFORE_NAMESPACE();
namespace rwkv::cpu::HWY_NAMESPACE {

// Largest T handled by the streaming loops: up to this many input rows, reading the weights
// once from memory beats widening them into a buffer first. The grouped loop holds TT×4
// accumulators + TT inputs + 1 weight vector: 31 of AVX-512's 32 registers at TT = 6.
constexpr size_t kMaxStreamRows = HWY_TARGET <= HWY_AVX3 ? 6 : 3;
// Largest T 16-bit and fp32 weights take the streaming loops for, in groups of at most
// kMaxStreamRows inputs over each 4-row slice of weights (the later groups read it from L1):
// a batched decode step or a short prompt chunk (the server's are 32 tokens while replies
// decode), where widening the weights into a buffer first (the GEMM) costs more than it saves
// (9-32 rows measured 1.1-2.1x faster this way than through the GEMM on a Zen 4; 48 and 64
// still 1.05-1.3x there, left to the GEMM until other CPUs are measured; BENCHMARKS.md).
constexpr size_t kMaxGroupedRows = 32;
// bf16 weights where AMX or the opt-in AVX512-BF16 dot products would take the matmul: past
// 16 rows (one AMX tile of rows) those stay ahead of the grouped loop's fp32 FMAs.
constexpr size_t kMaxGroupedRowsBeforeBf16Dot = 16;
// Largest T block-quantized weights take the integer decode (streamIntRows) for, past
// which the prefill GEMM (exact on the decoded weights) takes over; that loop rounds its
// inputs to integers. 4-bit weights: a batched step of up to 16 conversations (int8 inputs,
// 9-16 rows measured 1.2-1.4x faster than the GEMM on a Zen 4). int8 weights: the CPU
// server's default batch of 8 (their int16 inputs cost twice the multiply-adds a block: 9
// rows measured 1.1x, 12 level, 16 0.9x the GEMM). Above kMaxIntGroup the inputs go in
// groups of at most that many over each 4-row slice of weights, which the later groups read
// from L1, not from memory.
template <typename W>
constexpr size_t kMaxIntRows = std::is_same_v<W, Q4Ptr> ? 16 : 8;
// Inputs one pass of the integer decode serves (streamIntRows): TT accumulators, TT block
// sums and the widened weights fit AVX2's 16 registers at 4 (measured 1.12-1.16x at 4 inputs
// on a Zen 2 against groups of 3 + 1).
constexpr size_t kMaxIntGroup = HWY_TARGET <= HWY_AVX3 ? 6 : 4;
// Distances of the software prefetch: in the grouped loop (four streams, rounded to whole
// groups) and in the one-row loop (one stream).
constexpr size_t kPrefetchBytes = 12 * 1024;
constexpr size_t kRowPrefetchBytes = 8 * 1024;
// Shorter 16-bit rows (the second matrix of each LoRA pair) also take the grouped loop for
// T = 1: a horizontal sum per row would cost more than the row's FMAs.
constexpr size_t kMinRowStreamColumns = 256;
// Smallest share of a decode matmul handed to one thread.
constexpr size_t kMinChunkBytes = 32 * 1024;
// vdpbf16ps and AMX come with AVX-512: narrower targets, also when forced on an AVX-512 CPU
// (tests), keep their fp32 FMA prefill.
constexpr bool kBf16DotTarget = HWY_ARCH_X86_64 && HWY_TARGET <= HWY_AVX3;

// ---- decode --------------------------------------------------------------------------------

// T = 1 with 16-bit weights: one row at a time, so each thread reads one sequential stream
// (measured 5-30% above four interleaved rows). fp32 weights measured the other way round
// (~60% better grouped), so they take the grouped loop. int8 and 4-bit weights take streamIntRows
// for every T up to kMaxIntRows<W>.
// Four accumulators cover FMA latency.
// fp16 or bf16 weights: what streamRows is for.
template <typename W>
constexpr bool k16BitWeights = std::is_same_v<W, const hwy::float16_t*> || std::is_same_v<W, const hwy::bfloat16_t*>;

template <PrefetchHint H, typename W>
HWY_NOINLINE void streamRows(const float* x, size_t I, W w, float* out, size_t o0, size_t o1)
{
    // 16-bit rows on 512-bit targets take 256-bit vectors: fp16 measured 3-13 % faster decode
    // on an Intel Xeon, bf16 8-17 % on a Zen 4 (level on the Xeon; BENCHMARKS.md).
    using D = std::conditional_t<k16BitWeights<W> && HWY_TARGET <= HWY_AVX3, hn::Half<DF>, DF>;
    const D df;
    const size_t N = hn::Lanes(df);
    for (size_t o = o0; o < o1; ++o) {
        const W row = w + o * I;
        hn::Vec<D> a0 = hn::Zero(df), a1 = hn::Zero(df), a2 = hn::Zero(df), a3 = hn::Zero(df);
        size_t k = 0;
        for (; k + 4 * N <= I; k += 4 * N) {
            const char* ahead = static_cast<const char*>(weightAddress(row + k)) + kRowPrefetchBytes;
            for (size_t line = 0; line < weightBytes<W>(4 * N); line += 64) prefetchOnce<H>(ahead + line);
            a0 = hn::MulAdd(hn::LoadU(df, x + k), loadWidened(df, row + k), a0);
            a1 = hn::MulAdd(hn::LoadU(df, x + k + N), loadWidened(df, row + k + N), a1);
            a2 = hn::MulAdd(hn::LoadU(df, x + k + 2 * N), loadWidened(df, row + k + 2 * N), a2);
            a3 = hn::MulAdd(hn::LoadU(df, x + k + 3 * N), loadWidened(df, row + k + 3 * N), a3);
        }
        for (; k + N <= I; k += N) a0 = hn::MulAdd(hn::LoadU(df, x + k), loadWidened(df, row + k), a0);
        float sum = hn::GetLane(hn::SumOfLanes(df, hn::Add(hn::Add(a0, a1), hn::Add(a2, a3))));
        for (; k < I; ++k) sum += x[k] * scalarWidened(row + k);
        out[o] = sum;
    }
}

// Block-quantized weights, TT ≤ kMaxIntGroup input rows: integer products of each block
// with the input rows rounded to int16 (int_dot_inl.h), each block sum times its two scales
// once. One weight row at a time, as for 16-bit weights (2 or 4 neighbouring rows block by
// block measured 4-30 % slower on a Zen 2); its scales are widened and combined with each
// input's in one pass, kScaleChunk blocks at a time. For one input a step is a cache line (2 int8
// or 4 q4 blocks), each block into its own accumulator to cover the FMA latency (q4 in 2 blocks a
// step measured 2-6 % slower on a Zen 2); more inputs take 2 blocks a step.
constexpr size_t kScaleChunk = 256;
template <PrefetchHint H, size_t TT, typename W>
HWY_NOINLINE void streamIntRows(const IntRow* x, size_t I, W w, size_t O, float* out, size_t o0, size_t o1)
{
    const IntTag<W> d16;
    const hn::Repartition<float, decltype(d16)> df;
    using VI = hn::Vec<hn::Repartition<int32_t, decltype(d16)>>;
    constexpr bool q4 = std::is_same_v<W, Q4Ptr>;
    constexpr size_t B = kQ8Block, step = weightBytes<W>(B);
    constexpr size_t NB = TT == 1 ? 64 / step : 2;         // blocks a step
    constexpr size_t NA = TT == 1 ? NB : TT == 2 ? 2 : 1; // accumulators per input: TT ≥ 3 chains cover the latency
    HWY_ALIGN float scale[TT][kScaleChunk];
    for (size_t o = o0; o < o1; ++o) {
        hn::Vec<decltype(df)> acc[TT][NA];
        float offset[TT] = {};
        for (size_t t = 0; t < TT; ++t)
            for (size_t a = 0; a < NA; ++a) acc[t][a] = hn::Zero(df);
        for (size_t c = 0; c < I; c += kScaleChunk * B) {
            const W p = w + o * I + c;
            const size_t blocks = std::min(kScaleChunk, (I - c) / B);
            const InputInt<W>* v[TT];
            for (size_t t = 0; t < TT; ++t) {
                v[t] = static_cast<const InputInt<W>*>(x[t].v) + c;
                offset[t] += combineScales<q4>(p.scales + p.e / B, x[t].scale + c / B, x[t].offset + c / B, blocks, scale[t]);
            }
            // Accumulator a is a constant in each call: indexing them by b % 2 kept them on
            // the stack, a store-to-load round trip per block (measured 16 % slower).
            const auto values = blockValues(p);
            const auto block = [&](size_t b, size_t a) {
                VI sums[TT];
                blockDots<TT>(d16, v, values + b * step, sums);
                for (size_t t = 0; t < TT; ++t) {
                    acc[t][a] = hn::MulAdd(hn::ConvertTo(df, sums[t]), hn::Set(df, scale[t][b]), acc[t][a]);
                    v[t] += B;
                }
            };
            size_t b = 0;
            for (; b + NB <= blocks; b += NB) {
                if (b * step % 64 == 0) prefetchOnce<H>(values + b * step + kRowPrefetchBytes); // once per line
                [&]<size_t... K>(std::index_sequence<K...>) { (block(b + K, K % NA), ...); }(std::make_index_sequence<NB>{});
            }
            for (; b < blocks; ++b) block(b, 0);
        }
        for (size_t t = 0; t < TT; ++t) {
            auto total = acc[t][0];
            for (size_t a = 1; a < NA; ++a) total = hn::Add(total, acc[t][a]);
            const float sum = hn::GetLane(hn::SumOfLanes(df, total));
            out[t * O + o] = q4 ? sum - offset[t] : sum;
        }
    }
}

// streamIntRows for T ≤ kMaxIntGroup inputs.
template <PrefetchHint H, typename W>
void streamIntGroup(const IntRow* x, size_t T, size_t I, W w, size_t O, float* out, size_t o0, size_t o1)
{
    switch (T) {
    case 1: return streamIntRows<H, 1>(x, I, w, O, out, o0, o1);
    case 2: return streamIntRows<H, 2>(x, I, w, O, out, o0, o1);
    case 3: return streamIntRows<H, 3>(x, I, w, O, out, o0, o1);
    case 4: return streamIntRows<H, std::min<size_t>(4, kMaxIntGroup)>(x, I, w, O, out, o0, o1);
    case 5: return streamIntRows<H, std::min<size_t>(5, kMaxIntGroup)>(x, I, w, O, out, o0, o1);
    default: return streamIntRows<H, kMaxIntGroup>(x, I, w, O, out, o0, o1);
    }
}

// Weight rows o..o+3 together, so each widened weight vector serves TT inputs and four sums
// per input row are reduced at once. Four interleaved streams need software prefetch
// (measured ~30% more bandwidth), a whole number of groups ahead.
template <PrefetchHint H, size_t TT, typename W>
HWY_NOINLINE void streamGroup(const float* x, size_t I, W w, size_t O, size_t o, float* out, size_t prefetch)
{
    const DF df;
    const size_t N = hn::Lanes(df);
    W rows[4];
    for (size_t r = 0; r < 4; ++r) rows[r] = w + std::min(o + r, O - 1) * I; // clamp: padding rows
    VF acc[TT][4];
    for (size_t t = 0; t < TT; ++t)
        for (size_t r = 0; r < 4; ++r) acc[t][r] = hn::Zero(df);
    size_t k = 0;
    for (; k + N <= I; k += N) {
        VF xv[TT];
        for (size_t t = 0; t < TT; ++t) xv[t] = hn::LoadU(df, x + t * I + k);
        // One prefetch per 64 bytes of each row: more only cost load slots (measured).
        const bool lineStart = (weightBytes<W>(k) & 63) == 0;
        for (size_t r = 0; r < 4; ++r) {
            if (lineStart) prefetchOnce<H>(weightAddress(rows[r] + prefetch + k));
            const VF wv = loadWidened(df, rows[r] + k);
            for (size_t t = 0; t < TT; ++t) acc[t][r] = hn::MulAdd(xv[t], wv, acc[t][r]);
        }
    }
    for (size_t t = 0; t < TT; ++t) {
        float* dst = out + t * O + o;
        if (k == I && o + 4 <= O) {
            storeSum4(acc[t][0], acc[t][1], acc[t][2], acc[t][3], dst, false);
            continue;
        }
        float lane[4];
        storeSum4(acc[t][0], acc[t][1], acc[t][2], acc[t][3], lane, false);
        for (size_t r = 0; r < 4 && o + r < O; ++r) {
            float tail = 0.0f;
            for (size_t i = k; i < I; ++i) tail += x[t * I + i] * scalarWidened(rows[r] + i);
            dst[r] = lane[r] + tail;
        }
    }
}

template <PrefetchHint H, size_t TT, typename W>
void streamGroups(const float* x, size_t I, W w, size_t O, float* out, size_t g0, size_t g1)
{
    const size_t rowBytes = weightBytes<W>(I);
    const size_t prefetch = std::clamp<size_t>(kPrefetchBytes / rowBytes / 4, 1, 16) * 4 * I;
    for (size_t g = g0; g < g1; ++g) streamGroup<H, TT>(x, I, w, O, g * 4, out, prefetch);
}

// Block-quantized weights: each input row rounded to integer blocks (V: InputInt) once per
// matmul, into buffers this thread keeps.
template <typename V>
void quantizeInputs(const float* in, size_t T, size_t I, IntRow* rows)
{
    thread_local std::vector<V> v;
    thread_local std::vector<float> scales;
    const size_t nb = I / kQ8Block;
    v.resize(T * I);
    scales.resize(2 * T * nb);
    for (size_t t = 0; t < T; ++t) {
        float* s = scales.data() + 2 * t * nb;
        quantizeRow(in + t * I, I, v.data() + t * I, s, s + nb);
        rows[t] = {v.data() + t * I, s, s + nb};
    }
}

// Whether decode takes streamRows (one 16-bit row at a time) for T inputs of width I; the
// prefetch hint is chosen by the loop (matmulTyped), so both ask here.
template <typename W>
constexpr bool takesRowStream(size_t T, size_t I)
{
    return k16BitWeights<W> && T == 1 && I >= kMinRowStreamColumns;
}

template <PrefetchHint H, typename W>
void streamDecode(ThreadPool& pool, float* out, const float* in, W w, size_t T, size_t I, size_t O)
{
    IntRow rows[kMaxIntRows<W>] = {};
    if constexpr (kBlockQuantized<W>) quantizeInputs<InputInt<W>>(in, T, I, rows);
    const size_t groups = (O + 3) / 4;
    // Chunks of at least kMinChunkBytes of weights, so a small matrix is not cut into
    // pieces whose hand-out and prefetch ramp-up cost more than they read.
    const size_t grain = std::max<size_t>(1, kMinChunkBytes / weightBytes<W>(4 * I));
    pool.parallelFor(int64_t(groups), int64_t(grain), [&](int64_t g0, int64_t g1) {
        const size_t a = size_t(g0), b = size_t(g1), o0 = a * 4, o1 = std::min(O, b * 4);
        if constexpr (kBlockQuantized<W>) {
            if (T <= kMaxIntGroup) return streamIntGroup<H>(rows, T, I, w, O, out, o0, o1);
            for (size_t o = o0; o < o1; o += 4)
                for (size_t t = 0; t < T; t += kMaxIntGroup)
                    streamIntGroup<H>(rows + t, std::min(kMaxIntGroup, T - t), I, w, O, out + t * O, o, std::min(o1, o + 4));
        } else if (T > kMaxStreamRows) {
            const size_t prefetch = std::clamp<size_t>(kPrefetchBytes / weightBytes<W>(I) / 4, 1, 16) * 4 * I;
            for (size_t g = a; g < b; ++g)
                for (size_t t = 0; t < T; t += kMaxStreamRows) {
                    const float* x = in + t * I;
                    float* y = out + t * O;
                    switch (std::min(kMaxStreamRows, T - t)) {
                    case 1: streamGroup<H, 1>(x, I, w, O, g * 4, y, prefetch); break;
                    case 2: streamGroup<H, 2>(x, I, w, O, g * 4, y, prefetch); break;
                    case 3: streamGroup<H, 3>(x, I, w, O, g * 4, y, prefetch); break;
                    case 4: streamGroup<H, std::min<size_t>(4, kMaxStreamRows)>(x, I, w, O, g * 4, y, prefetch); break;
                    case 5: streamGroup<H, std::min<size_t>(5, kMaxStreamRows)>(x, I, w, O, g * 4, y, prefetch); break;
                    default: streamGroup<H, kMaxStreamRows>(x, I, w, O, g * 4, y, prefetch); break;
                    }
                }
        } else {
            switch (T) {
            case 1:
                if (takesRowStream<W>(T, I))
                    streamRows<H>(in, I, w, out, o0, o1);
                else
                    streamGroups<H, 1>(in, I, w, O, out, a, b);
                break;
            case 2: streamGroups<H, 2>(in, I, w, O, out, a, b); break;
            case 3: streamGroups<H, 3>(in, I, w, O, out, a, b); break;
            // Never reached where kMaxStreamRows is 3; capped so no spilling tile is built.
            case 4: streamGroups<H, std::min<size_t>(4, kMaxStreamRows)>(in, I, w, O, out, a, b); break;
            case 5: streamGroups<H, std::min<size_t>(5, kMaxStreamRows)>(in, I, w, O, out, a, b); break;
            default: streamGroups<H, kMaxStreamRows>(in, I, w, O, out, a, b); break;
            }
        }
    });
}

template <typename W>
void matmulTyped(ThreadPool& pool, float* out, const float* in, W w, size_t T, size_t I, size_t O)
{
    size_t streamed = kBlockQuantized<W> ? kMaxIntRows<W> : kMaxGroupedRows;
    if constexpr (std::is_same_v<W, const hwy::bfloat16_t*> && kBf16DotTarget)
        if (amxEnabled() || (I > kSmallI && bf16DotEnabled())) streamed = kMaxGroupedRowsBeforeBf16Dot;
    if (T <= streamed) {
        constexpr bool bf16 = std::is_same_v<W, const hwy::bfloat16_t*>, fp16 = std::is_same_v<W, const hwy::float16_t*>;
        const bool oneRow = takesRowStream<W>(T, I);
        const RowStream stream = kBlockQuantized<W> ? RowStream::IntRows
                                 : bf16             ? (oneRow ? RowStream::Bf16Row : RowStream::Bf16Groups)
                                 : fp16             ? (oneRow ? RowStream::Fp16Row : RowStream::Fp16Groups)
                                                    : RowStream::Fp32Groups;
        switch (decodePrefetchHint(stream)) {
        case PrefetchHint::None: return streamDecode<PrefetchHint::None>(pool, out, in, w, T, I, O);
        case PrefetchHint::T0: return streamDecode<PrefetchHint::T0>(pool, out, in, w, T, I, O);
        case PrefetchHint::T1: return streamDecode<PrefetchHint::T1>(pool, out, in, w, T, I, O);
        case PrefetchHint::Nta: return streamDecode<PrefetchHint::Nta>(pool, out, in, w, T, I, O);
        }
    }
    if constexpr (std::is_same_v<W, const hwy::bfloat16_t*> && kBf16DotTarget) {
        if (amxEnabled()) {
            gemmAmx(pool, out, in, reinterpret_cast<const uint16_t*>(w), T, I, O);
            return;
        }
        // Not the narrow second LoRA matrices: the outer-product form needs no horizontal sums.
        if (I > kSmallI && bf16DotEnabled()) {
            gemmBf16Dot(pool, out, in, reinterpret_cast<const uint16_t*>(w), T, I, O);
            return;
        }
    }
    gemm(pool, out, in, w, T, I, O);
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
    case DType::Q8: {
        const auto* q = static_cast<const int8_t*>(weight.data);
        matmulTyped(pool, out.f32(), in.f32(), Q8Ptr{q, reinterpret_cast<const uint16_t*>(q + quantizedScalesOffset(DType::Q8, size_t(weight.numel())))}, T, I, O);
        break;
    }
    case DType::Q4: {
        const auto* packed = static_cast<const uint8_t*>(weight.data);
        const auto* scales = reinterpret_cast<const uint16_t*>(packed + quantizedScalesOffset(DType::Q4, size_t(weight.numel())));
        matmulTyped(pool, out.f32(), in.f32(), Q4Ptr{packed, scales}, T, I, O);
        break;
    }
    default: assert(false && "matmul weights must be f32, f16, bf16, int8 or q4");
    }
}

KernelChoices kernelChoices()
{
    return {hwy::TargetName(HWY_TARGET), kBf16DotTarget, decodePrefetchDescription(), kPrefetchBytes, kRowPrefetchBytes};
}

} // namespace rwkv::cpu::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace rwkv::cpu {

HWY_EXPORT(matmulImpl);
HWY_EXPORT(kernelChoices);

KernelChoices kernelChoices() { return HWY_DYNAMIC_DISPATCH(kernelChoices)(); }

void matmulKernel(ThreadPool& pool, const DTensor& out, const DTensor& in, const DTensor& weight)
{
    HWY_DYNAMIC_DISPATCH(matmulImpl)(pool, out, in, weight);
}

} // namespace rwkv::cpu
#endif
