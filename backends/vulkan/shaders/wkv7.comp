#version 460
// RWKV-7 WKV (rwkv-spec §3.4): one workgroup per head of each sequence (g = sequence · H +
// head, the state's order), one invocation per value row i, which keeps its state row S[i][·] in registers for the whole sequence; the token's r, w,
// k, α, β are shared.  S ← S·diag(w) + (S·α)·βᵀ + v·kᵀ;  y = S·r.
#include "common.glsl"

layout(constant_id = 0) const uint N = 64; // head size
layout(local_size_x_id = 0) in;

layout(push_constant) uniform Params {
    Floats y, state, r, w, k, v, alpha, beta;
    uint T, C; // T tokens per sequence
};

shared float sR[N], sW[N], sK[N], sA[N], sB[N];

void main()
{
    const uint g = flatGroup(), i = gl_LocalInvocationID.x, h = g % (C / N), row0 = g / (C / N) * T;
    const uint rowBase = (g * N + i) * N;
    float s[N];
    for (uint j = 0; j < N; ++j) s[j] = state.v[rowBase + j];
    for (uint t = 0; t < T; ++t) {
        const uint o = (row0 + t) * C + h * N;
        barrier();
        sR[i] = r.v[o + i];
        sW[i] = w.v[o + i];
        sK[i] = k.v[o + i];
        sA[i] = alpha.v[o + i];
        sB[i] = beta.v[o + i];
        barrier();
        const float vi = v.v[o + i];
        float sa = 0.0;
        for (uint j = 0; j < N; ++j) sa += s[j] * sA[j];
        float acc = 0.0;
        for (uint j = 0; j < N; ++j) {
            s[j] = s[j] * sW[j] + sa * sB[j] + vi * sK[j];
            acc += s[j] * sR[j];
        }
        y.v[o + i] = acc;
    }
    for (uint j = 0; j < N; ++j) state.v[rowBase + j] = s[j];
}
