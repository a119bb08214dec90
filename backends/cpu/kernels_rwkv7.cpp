// RWKV-7 specific kernels: key preparation, the WKV recurrence and the bonus term.
// The WKV state of one head (N×N fp32, 16 KiB for N = 64) stays in L1 for all T tokens;
// heads run in parallel. One token: rows four at a time, so their horizontal sums
// (sa = S·α and y = S·r) are reduced together. Several tokens: a transposed copy of the
// state that needs no horizontal sums.
#include "backends/cpu/kernels.h"

#include <algorithm>
#include <cmath>
#include <cstddef>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "backends/cpu/kernels_rwkv7.cpp"
#include <hwy/foreach_target.h> // IWYU pragma: keep
#include <hwy/cache_control.h>
#include <hwy/highway.h>

#include "backends/cpu/simd_inl.h"

HWY_BEFORE_NAMESPACE();
namespace rwkv::cpu::HWY_NAMESPACE {

// Σ p[c]·q[c]·s[c] (s may be null: Σ p·q) over n values.
float dot3(const float* p, const float* q, const float* s, size_t n)
{
    const DF df;
    const size_t N = hn::Lanes(df);
    VF acc = hn::Zero(df);
    size_t c = 0;
    for (; c + N <= n; c += N) {
        VF pq = hn::Mul(hn::LoadU(df, p + c), hn::LoadU(df, q + c));
        acc = s ? hn::MulAdd(pq, hn::LoadU(df, s + c), acc) : hn::Add(acc, pq);
    }
    float sum = sumLanes(acc);
    for (; c < n; ++c) sum += s ? p[c] * q[c] * s[c] : p[c] * q[c];
    return sum;
}

void keyPrepImpl(const DTensor& k, const DTensor& alpha, const DTensor& beta, const DTensor& a, const DTensor& kK,
                 const DTensor& kA, int headSize)
{
    const DF df;
    const size_t N = hn::Lanes(df), C = size_t(k.cols), H = size_t(headSize);
    for (int64_t t = 0; t < k.rows; ++t) {
        float* pk = k.f32() + t * k.cols;
        const float* pa = a.f32() + t * k.cols;
        float* pal = alpha.f32() + t * k.cols;
        float* pbe = beta.f32() + t * k.cols;
        // κ = k ⊙ kK, parked in alpha until the head's norm is known.
        size_t c = 0;
        for (; c + N <= C; c += N)
            hn::StoreU(hn::Mul(hn::LoadU(df, pk + c), hn::LoadU(df, kK.f32() + c)), df, pal + c);
        for (; c < C; ++c) pal[c] = pk[c] * kK.f32()[c];
        for (size_t h0 = 0; h0 < C; h0 += H) {
            // F.normalize: divide by max(‖κ‖, 1e-12), so a zero key gives zeros, not NaN.
            const float norm = std::sqrt(dot3(pal + h0, pal + h0, nullptr, H));
            const float inv = 1.0f / std::max(norm, 1e-12f);
            const VF vinv = hn::Set(df, inv), one = hn::Set(df, 1.0f);
            size_t j = h0;
            for (; j + N <= h0 + H; j += N) {
                const VF kappa = hn::Mul(hn::LoadU(df, pal + j), vinv);
                const VF va = hn::LoadU(df, pa + j);
                hn::StoreU(hn::Neg(kappa), df, pal + j);
                hn::StoreU(hn::Mul(kappa, va), df, pbe + j);
                const VF scale = hn::MulAdd(hn::Sub(va, one), hn::LoadU(df, kA.f32() + j), one);
                hn::StoreU(hn::Mul(hn::LoadU(df, pk + j), scale), df, pk + j);
            }
            for (; j < h0 + H; ++j) {
                const float kappa = pal[j] * inv;
                pal[j] = -kappa;
                pbe[j] = kappa * pa[j];
                pk[j] = pk[j] * (1.0f + (pa[j] - 1.0f) * kA.f32()[j]);
            }
        }
    }
}

// One token of one head, reference loop order (for head sizes the vector path cannot tile).
void wkvStepScalar(float* S, const float* r, const float* w, const float* k, const float* v, const float* a,
                   const float* b, float* y, size_t n, const float*)
{
    for (size_t i = 0; i < n; ++i) {
        float* row = S + i * n;
        float sa = 0.0f;
        for (size_t j = 0; j < n; ++j) sa += row[j] * a[j];
        float acc = 0.0f;
        for (size_t j = 0; j < n; ++j) {
            row[j] = row[j] * w[j] + sa * b[j] + v[i] * k[j];
            acc += row[j] * r[j];
        }
        y[i] = acc;
    }
}

// One token of one head; n is a multiple of 4 and of the lane count. When `next` is set,
// the matching rows of that (next head's) state are prefetched along the way: in decode the
// states were evicted by the weights streamed since the last token.
void wkvStepVector(float* S, const float* r, const float* w, const float* k, const float* v, const float* a,
                   const float* b, float* y, size_t n, const float* next)
{
    const DF df;
    const size_t N = hn::Lanes(df);
    for (size_t i = 0; i < n; i += 4) {
        if (next)
            for (size_t line = 0; line < 4 * n; line += 16) hwy::Prefetch(next + i * n + line);
        float* rows[4] = {S + i * n, S + (i + 1) * n, S + (i + 2) * n, S + (i + 3) * n};
        VF part[4];
        for (size_t q = 0; q < 4; ++q) part[q] = hn::Zero(df);
        for (size_t j = 0; j < n; j += N) {
            const VF va = hn::LoadU(df, a + j);
            for (size_t q = 0; q < 4; ++q) part[q] = hn::MulAdd(hn::LoadU(df, rows[q] + j), va, part[q]);
        }
        float sa[4];
        storeSum4(part[0], part[1], part[2], part[3], sa, false);
        VF vsa[4], vv[4];
        for (size_t q = 0; q < 4; ++q) {
            vsa[q] = hn::Set(df, sa[q]);
            vv[q] = hn::Set(df, v[i + q]);
            part[q] = hn::Zero(df);
        }
        for (size_t j = 0; j < n; j += N) {
            const VF vw = hn::LoadU(df, w + j), vb = hn::LoadU(df, b + j), vk = hn::LoadU(df, k + j);
            const VF vr = hn::LoadU(df, r + j);
            for (size_t q = 0; q < 4; ++q) {
                const VF s = hn::MulAdd(hn::LoadU(df, rows[q] + j), vw, hn::MulAdd(vsa[q], vb, hn::Mul(vv[q], vk)));
                hn::StoreU(s, df, rows[q] + j);
                part[q] = hn::MulAdd(s, vr, part[q]);
            }
        }
        storeSum4(part[0], part[1], part[2], part[3], y + i, false);
    }
}

// Head size of every released RWKV-7 model; the sequence kernel below is written for it.
constexpr size_t kSeqHead = 64;
// From this many tokens on, transposing a head's state in and out pays for itself.
constexpr size_t kMinSeqTokens = 4;

// T tokens of one 64×64 head on a transposed copy of its state (St[key j][value i]): sa and
// y become sums of rows scaled by broadcast scalars, vectorised over the value lane, so no
// horizontal sums are left (measured 1.9× the row kernel). Two accumulator sets (even/odd j) keep
// enough FMA chains in flight.
void wkvHeadSequence(float* S, const float* r, const float* w, const float* k, const float* v, const float* a,
                     const float* b, float* y, size_t T, size_t C)
{
    constexpr size_t n = kSeqHead, NV = kSeqHead / hn::MaxLanes(DF());
    const DF df;
    const size_t N = hn::Lanes(df);
    HWY_ALIGN float St[kSeqHead * kSeqHead];
    for (size_t i = 0; i < n; ++i)
        for (size_t j = 0; j < n; ++j) St[j * n + i] = S[i * n + j];
    for (size_t t = 0; t < T; ++t) {
        const size_t o = t * C;
        VF sa[NV], sb[NV];
        for (size_t q = 0; q < NV; ++q) sa[q] = sb[q] = hn::Zero(df);
        for (size_t j = 0; j < n; j += 2) {
            const VF a0 = hn::Set(df, a[o + j]), a1 = hn::Set(df, a[o + j + 1]);
            for (size_t q = 0; q < NV; ++q) {
                sa[q] = hn::MulAdd(hn::Load(df, St + j * n + q * N), a0, sa[q]);
                sb[q] = hn::MulAdd(hn::Load(df, St + (j + 1) * n + q * N), a1, sb[q]);
            }
        }
        VF vv[NV], ya[NV], yb[NV];
        for (size_t q = 0; q < NV; ++q) {
            sa[q] = hn::Add(sa[q], sb[q]);
            vv[q] = hn::LoadU(df, v + o + q * N);
            ya[q] = yb[q] = hn::Zero(df);
        }
        for (size_t j = 0; j < n; j += 2) {
            for (size_t half = 0; half < 2; ++half) {
                const size_t jj = j + half;
                const VF wj = hn::Set(df, w[o + jj]), bj = hn::Set(df, b[o + jj]);
                const VF kj = hn::Set(df, k[o + jj]), rj = hn::Set(df, r[o + jj]);
                float* row = St + jj * n;
                for (size_t q = 0; q < NV; ++q) {
                    const VF carried = hn::MulAdd(sa[q], bj, hn::Mul(vv[q], kj));
                    const VF sNew = hn::MulAdd(hn::Load(df, row + q * N), wj, carried);
                    hn::Store(sNew, df, row + q * N);
                    if (half == 0)
                        ya[q] = hn::MulAdd(sNew, rj, ya[q]);
                    else
                        yb[q] = hn::MulAdd(sNew, rj, yb[q]);
                }
            }
        }
        for (size_t q = 0; q < NV; ++q) hn::StoreU(hn::Add(ya[q], yb[q]), df, y + o + q * N);
    }
    for (size_t i = 0; i < n; ++i)
        for (size_t j = 0; j < n; ++j) S[i * n + j] = St[j * n + i];
}

void wkv7Impl(ThreadPool& pool, const DTensor& y, const DTensor& state, const DTensor& r, const DTensor& w,
              const DTensor& k, const DTensor& v, const DTensor& alpha, const DTensor& beta, int headSize)
{
    const size_t C = size_t(r.cols), n = size_t(headSize), H = C / n, B = size_t(state.rows) / C;
    const size_t T = size_t(r.rows) / B;
    const bool vector = n % 4 == 0 && n % hn::Lanes(DF()) == 0;
    // One task per head of each sequence; g = sequence · H + head indexes the states in order.
    pool.parallelFor(int64_t(B * H), 1, [&](int64_t gBegin, int64_t gEnd) {
        for (size_t g = size_t(gBegin); g < size_t(gEnd); ++g) {
            float* S = state.f32() + g * n * n;
            const size_t row0 = g / H * T, h = g % H;
            if (n == kSeqHead && T >= kMinSeqTokens) {
                const size_t o = row0 * C + h * n;
                wkvHeadSequence(S, r.f32() + o, w.f32() + o, k.f32() + o, v.f32() + o, alpha.f32() + o,
                                beta.f32() + o, y.f32() + o, T, C);
                continue;
            }
            for (size_t t = 0; t < T; ++t) {
                const size_t o = (row0 + t) * C + h * n;
                const float* next = t == 0 && g + 1 < size_t(gEnd) ? S + n * n : nullptr;
                (vector ? wkvStepVector : wkvStepScalar)(S, r.f32() + o, w.f32() + o, k.f32() + o, v.f32() + o,
                                                         alpha.f32() + o, beta.f32() + o, y.f32() + o, n, next);
            }
        }
    });
}

void bonusImpl(const DTensor& o, const DTensor& r, const DTensor& k, const DTensor& v, const DTensor& rK, int headSize)
{
    const DF df;
    const size_t N = hn::Lanes(df), C = size_t(o.cols), H = size_t(headSize);
    for (int64_t t = 0; t < o.rows; ++t) {
        const size_t base = size_t(t) * C;
        for (size_t h0 = 0; h0 < C; h0 += H) {
            const float s = dot3(r.f32() + base + h0, k.f32() + base + h0, rK.f32() + h0, H);
            const VF vs = hn::Set(df, s);
            float* po = o.f32() + base;
            const float* pv = v.f32() + base;
            size_t c = h0;
            for (; c + N <= h0 + H; c += N)
                hn::StoreU(hn::MulAdd(vs, hn::LoadU(df, pv + c), hn::LoadU(df, po + c)), df, po + c);
            for (; c < h0 + H; ++c) po[c] += s * pv[c];
        }
    }
}

} // namespace rwkv::cpu::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace rwkv::cpu {

HWY_EXPORT(keyPrepImpl);
HWY_EXPORT(wkv7Impl);
HWY_EXPORT(bonusImpl);

void rwkv7KeyPrepKernel(const DTensor& k, const DTensor& alpha, const DTensor& beta, const DTensor& a,
                        const DTensor& kK, const DTensor& kA, int headSize)
{
    HWY_DYNAMIC_DISPATCH(keyPrepImpl)(k, alpha, beta, a, kK, kA, headSize);
}

void wkv7Kernel(ThreadPool& pool, const DTensor& y, const DTensor& state, const DTensor& r, const DTensor& w,
                const DTensor& k, const DTensor& v, const DTensor& alpha, const DTensor& beta, int headSize)
{
    HWY_DYNAMIC_DISPATCH(wkv7Impl)(pool, y, state, r, w, k, v, alpha, beta, headSize);
}

void rwkv7BonusKernel(const DTensor& o, const DTensor& r, const DTensor& k, const DTensor& v, const DTensor& rK,
                      int headSize)
{
    HWY_DYNAMIC_DISPATCH(bonusImpl)(o, r, k, v, rK, headSize);
}

} // namespace rwkv::cpu
#endif
