// LayerNorm (one group per row) and GroupNorm, statistics in fp32 with a two-pass variance.
#include "backends/cpu/kernels.h"

#include <cmath>

namespace rwkv::cpu {

void groupNormKernel(const DTensor& out, const DTensor& in, const DTensor& w, const DTensor& b, int groupSize, float eps)
{
    const int64_t C = in.cols;
    for (int64_t t = 0; t < in.rows; ++t) {
        const float* x = in.f32() + t * C;
        float* y = out.f32() + t * C;
        for (int64_t g0 = 0; g0 < C; g0 += groupSize) {
            float mean = 0.0f;
            for (int64_t c = g0; c < g0 + groupSize; ++c) mean += x[c];
            mean /= float(groupSize);
            float var = 0.0f;
            for (int64_t c = g0; c < g0 + groupSize; ++c) var += (x[c] - mean) * (x[c] - mean);
            const float inv = 1.0f / std::sqrt(var / float(groupSize) + eps);
            for (int64_t c = g0; c < g0 + groupSize; ++c) y[c] = (x[c] - mean) * inv * w.f32()[c] + b.f32()[c];
        }
    }
}

} // namespace rwkv::cpu
