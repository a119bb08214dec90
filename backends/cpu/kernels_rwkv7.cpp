// RWKV-7 specific kernels: key preparation, the WKV recurrence and the bonus term.
#include "backends/cpu/kernels.h"

#include <algorithm>
#include <cmath>

namespace rwkv::cpu {

void rwkv7KeyPrepKernel(const DTensor& k, const DTensor& alpha, const DTensor& beta, const DTensor& a,
                        const DTensor& kK, const DTensor& kA, int headSize)
{
    const int64_t C = k.cols, N = headSize;
    for (int64_t t = 0; t < k.rows; ++t) {
        float* pk = k.f32() + t * C;
        const float* pa = a.f32() + t * C;
        float* pal = alpha.f32() + t * C;
        float* pbe = beta.f32() + t * C;
        for (int64_t h0 = 0; h0 < C; h0 += N) {
            float norm = 0.0f;
            for (int64_t c = h0; c < h0 + N; ++c) {
                const float kappa = pk[c] * kK.f32()[c];
                pal[c] = kappa;
                norm += kappa * kappa;
            }
            // F.normalize: divide by max(‖x‖, 1e-12).
            const float inv = 1.0f / std::max(std::sqrt(norm), 1e-12f);
            for (int64_t c = h0; c < h0 + N; ++c) {
                const float kappa = pal[c] * inv;
                pal[c] = -kappa;
                pbe[c] = kappa * pa[c];
                pk[c] = pk[c] * (1.0f + (pa[c] - 1.0f) * kA.f32()[c]);
            }
        }
    }
}

void wkv7Kernel(ThreadPool& pool, const DTensor& y, const DTensor& state, const DTensor& r, const DTensor& w,
                const DTensor& k, const DTensor& v, const DTensor& alpha, const DTensor& beta, int headSize)
{
    const int64_t C = r.cols, N = headSize, H = C / N, T = r.rows;
    pool.parallelFor(H, 1, [&](int64_t hBegin, int64_t hEnd) {
        for (int64_t h = hBegin; h < hEnd; ++h) {
            float* S = state.f32() + h * N * N;
            for (int64_t t = 0; t < T; ++t) {
                const int64_t o = t * C + h * N;
                const float *pr = r.f32() + o, *pw = w.f32() + o, *pk = k.f32() + o, *pv = v.f32() + o;
                const float *pa = alpha.f32() + o, *pb = beta.f32() + o;
                for (int64_t i = 0; i < N; ++i) {
                    float* row = S + i * N;
                    float sa = 0.0f;
                    for (int64_t j = 0; j < N; ++j) sa += row[j] * pa[j];
                    float acc = 0.0f;
                    const float vi = pv[i];
                    for (int64_t j = 0; j < N; ++j) {
                        row[j] = row[j] * pw[j] + sa * pb[j] + vi * pk[j];
                        acc += row[j] * pr[j];
                    }
                    y.f32()[o + i] = acc;
                }
            }
        }
    });
}

void rwkv7BonusKernel(const DTensor& o, const DTensor& r, const DTensor& k, const DTensor& v, const DTensor& rK,
                      int headSize)
{
    const int64_t C = o.cols, N = headSize;
    for (int64_t t = 0; t < o.rows; ++t) {
        const int64_t base = t * C;
        for (int64_t h0 = 0; h0 < C; h0 += N) {
            float s = 0.0f;
            for (int64_t c = h0; c < h0 + N; ++c) s += r.f32()[base + c] * k.f32()[base + c] * rK.f32()[c];
            for (int64_t c = h0; c < h0 + N; ++c) o.f32()[base + c] += s * v.f32()[base + c];
        }
    }
}

} // namespace rwkv::cpu
