// The RWKV-4 and RWKV-5.2/6 WKV recurrences (rwkv-spec §3.1–3.3), all in fp32.
#include "backends/cpu/kernels.h"

#include <algorithm>
#include <cmath>

namespace rwkv::cpu {

void wkv4Kernel(ThreadPool& pool, const DTensor& y, const DTensor& state, const DTensor& w, const DTensor& u,
                const DTensor& k, const DTensor& v)
{
    const int64_t C = k.cols, B = state.rows / 3, T = k.rows / B;
    // Channels (of every sequence) are independent; the max trick keeps every exp argument ≤ 0.
    pool.parallelFor(B * C, 64, [&](int64_t begin, int64_t end) {
        for (int64_t bc = begin; bc < end; ++bc) {
            const int64_t s = bc / C, c = bc % C, row0 = s * T;
            float* aa = state.f32() + s * 3 * C;
            float* bb = aa + C;
            float* pp = bb + C;
            float a = aa[c], b = bb[c], p = pp[c];
            const float wc = w.f32()[c], uc = u.f32()[c];
            for (int64_t t = 0; t < T; ++t) {
                const int64_t at = (row0 + t) * C + c;
                const float kt = k.f32()[at], vt = v.f32()[at];
                float q = std::max(p, uc + kt);
                float e1 = std::exp(p - q), e2 = std::exp(uc + kt - q);
                y.f32()[at] = (e1 * a + e2 * vt) / (e1 * b + e2);
                q = std::max(wc + p, kt);
                e1 = std::exp(wc + p - q);
                e2 = std::exp(kt - q);
                a = e1 * a + e2 * vt;
                b = e1 * b + e2;
                p = q;
            }
            aa[c] = a;
            bb[c] = b;
            pp[c] = p;
        }
    });
}

void wkv5Kernel(ThreadPool& pool, const DTensor& y, const DTensor& state, const DTensor& r, const DTensor& w,
                const DTensor& k, const DTensor& v, const DTensor& u, int headSize)
{
    const int64_t C = r.cols, N = headSize, H = C / N, B = state.rows / C, T = r.rows / B;
    const int64_t wStride = w.rows == 1 ? 0 : C;
    // One task per head of each sequence; g = sequence · H + head indexes the states in order.
    pool.parallelFor(B * H, 1, [&](int64_t gBegin, int64_t gEnd) {
        for (int64_t g = gBegin; g < gEnd; ++g) {
            const int64_t h = g % H, row0 = g / H * T;
            float* S = state.f32() + g * N * N; // [value j][key i]
            const float* pu = u.f32() + h * N;
            for (int64_t t = 0; t < T; ++t) {
                const int64_t o = (row0 + t) * C + h * N;
                const float *pr = r.f32() + o, *pk = k.f32() + o, *pv = v.f32() + o;
                const float* pw = w.f32() + (row0 + t) * wStride + h * N;
                // The bonus term Σ_i r_i u_i k_i is the same for every value lane.
                float bonus = 0.0f;
                for (int64_t i = 0; i < N; ++i) bonus += pr[i] * pu[i] * pk[i];
                for (int64_t j = 0; j < N; ++j) {
                    float* row = S + j * N;
                    const float vj = pv[j];
                    float acc = bonus * vj;
                    for (int64_t i = 0; i < N; ++i) {
                        acc += pr[i] * row[i];
                        row[i] = row[i] * pw[i] + pk[i] * vj;
                    }
                    y.f32()[o + j] = acc;
                }
            }
        }
    });
}

} // namespace rwkv::cpu
