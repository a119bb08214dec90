#version 460
// RWKV-5.2/6 WKV (rwkv-spec §3.2–3.3): one workgroup per head, one invocation per value row
// j of each sequence (workgroup g = sequence · H + head, the state's order), which keeps its
// state row S[j][·] in registers for the whole sequence; the token's r,
// k, w are shared. y_j = Σ_i r_i (u_i k_i v_j + S[j][i]);  S[j][i] ← S[j][i]·w_i + k_i v_j.
#include "common.glsl"

layout(constant_id = 0) const uint N = 64; // head size
layout(local_size_x_id = 0) in;

layout(push_constant) uniform Params {
    Floats y, state, r, w, k, v, u;
    uint T, C, wStride; // T tokens per sequence; wStride 0: one decay row for every token (5.2)
};

shared float sR[N], sK[N], sW[N], sU[N];

void main()
{
    const uint g = flatGroup(), j = gl_LocalInvocationID.x, h = g % (C / N), row0 = g / (C / N) * T;
    const uint rowBase = (g * N + j) * N;
    float s[N];
    for (uint i = 0; i < N; ++i) s[i] = state.v[rowBase + i];
    sU[j] = u.v[h * N + j];
    for (uint t = 0; t < T; ++t) {
        const uint o = (row0 + t) * C + h * N;
        barrier();
        sR[j] = r.v[o + j];
        sK[j] = k.v[o + j];
        sW[j] = w.v[(row0 + t) * wStride + h * N + j];
        barrier();
        const float vj = v.v[o + j];
        float bonus = 0.0, acc = 0.0;
        for (uint i = 0; i < N; ++i) {
            bonus += sR[i] * sU[i] * sK[i];
            acc += sR[i] * s[i];
            s[i] = s[i] * sW[i] + sK[i] * vj;
        }
        y.v[o + j] = acc + bonus * vj;
    }
    for (uint i = 0; i < N; ++i) state.v[rowBase + i] = s[i];
}
