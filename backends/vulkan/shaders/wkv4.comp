#version 460
// RWKV-4 WKV in the numerically stable form (rwkv-spec §3.1): one invocation per channel,
// state rows aa, bb, pp updated in place; every exp argument is ≤ 0. Sequence b holds rows
// [b·T, (b+1)·T) and state rows [3b, 3b+3).
layout(local_size_x = 64) in;
#include "common.glsl"

layout(push_constant) uniform Params {
    Floats y, state, w, u, k, v;
    uint T, C, seqs; // T tokens per sequence
};

void main()
{
    const uint i = flatInvocation();
    if (i >= seqs * C) return;
    const uint seq = i / C, c = i % C, s0 = seq * 3 * C + c, row0 = seq * T;
    float a = state.v[s0], b = state.v[s0 + C], p = state.v[s0 + 2 * C];
    const float wc = w.v[c], uc = u.v[c];
    for (uint t = 0; t < T; ++t) {
        const uint at = (row0 + t) * C + c;
        const float kt = k.v[at], vt = v.v[at];
        float q = max(p, uc + kt);
        float e1 = exp(p - q), e2 = exp(uc + kt - q);
        y.v[at] = (e1 * a + e2 * vt) / (e1 * b + e2);
        q = max(wc + p, kt);
        e1 = exp(wc + p - q);
        e2 = exp(kt - q);
        a = e1 * a + e2 * vt;
        b = e1 * b + e2;
        p = q;
    }
    state.v[s0] = a;
    state.v[s0 + C] = b;
    state.v[s0 + 2 * C] = p;
}
