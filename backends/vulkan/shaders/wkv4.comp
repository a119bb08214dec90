#version 460
// RWKV-4 WKV in the numerically stable form (rwkv-spec §3.1): one invocation per channel,
// state rows aa, bb, pp updated in place; every exp argument is ≤ 0.
layout(local_size_x = 64) in;
#include "common.glsl"

layout(push_constant) uniform Params {
    Floats y, state, w, u, k, v;
    uint T, C;
};

void main()
{
    const uint c = flatInvocation();
    if (c >= C) return;
    float a = state.v[c], b = state.v[C + c], p = state.v[2 * C + c];
    const float wc = w.v[c], uc = u.v[c];
    for (uint t = 0; t < T; ++t) {
        const float kt = k.v[t * C + c], vt = v.v[t * C + c];
        float q = max(p, uc + kt);
        float e1 = exp(p - q), e2 = exp(uc + kt - q);
        y.v[t * C + c] = (e1 * a + e2 * vt) / (e1 * b + e2);
        q = max(wc + p, kt);
        e1 = exp(wc + p - q);
        e2 = exp(kt - q);
        a = e1 * a + e2 * vt;
        b = e1 * b + e2;
        p = q;
    }
    state.v[c] = a;
    state.v[C + c] = b;
    state.v[2 * C + c] = p;
}
