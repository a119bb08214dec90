#version 460
// matmul for a few rows of input (decode): out[T,O] = in[T,I] · Wᵀ, T ≤ kMaxT. Each
// workgroup owns kRows output rows; its invocations stride over I so that neighbours read
// neighbouring weights (coalesced), every weight is read once for all T rows, and the
// partial sums meet in subgroup reductions.
#include "common.glsl"
#include "weights.glsl"
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_KHR_shader_subgroup_basic : require

layout(local_size_x = 128) in;

layout(push_constant) uniform Params {
    Floats outp, inp, weight;
    uint T, I, O;
};

const uint kRows = 2;
const uint kMaxT = 4;
shared float sPartial[kRows * kMaxT][64];

void main()
{
    const uint row0 = flatGroup() * kRows;
    float acc[kRows * kMaxT];
    for (uint j = 0; j < kRows * kMaxT; ++j) acc[j] = 0.0;

    for (uint i = gl_LocalInvocationID.x; i < I; i += gl_WorkGroupSize.x) {
        float x[kMaxT];
        for (uint t = 0; t < kMaxT; ++t) x[t] = t < T ? inp.v[t * I + i] : 0.0;
        for (uint r = 0; r < kRows; ++r) {
            if (row0 + r >= O) break;
            const float w = loadWeight(weight, (row0 + r) * I + i);
            for (uint t = 0; t < kMaxT; ++t) acc[r * kMaxT + t] += w * x[t];
        }
    }
    for (uint j = 0; j < kRows * kMaxT; ++j) {
        const float s = subgroupAdd(acc[j]);
        if (subgroupElect()) sPartial[j][gl_SubgroupID] = s;
    }
    barrier();
    const uint j = gl_LocalInvocationID.x;
    if (j < kRows * kMaxT) {
        const uint r = j / kMaxT, t = j % kMaxT;
        if (t < T && row0 + r < O) {
            float total = 0.0;
            for (uint s = 0; s < gl_NumSubgroups; ++s) total += sPartial[j][s];
            outp.v[t * O + row0 + r] = total;
        }
    }
}
