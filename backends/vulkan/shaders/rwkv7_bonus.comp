#version 460
// RWKV-7 bonus, one workgroup per (token, head): o += (Σ_n r·k·rK) · v.
#include "common.glsl"
#include "reduce.glsl"

layout(local_size_x = 64) in;

layout(push_constant) uniform Params {
    Floats o, r, k, v, rK;
    uint C, N;
};

void main()
{
    const uint g = flatGroup(), heads = C / N;
    const uint base = (g / heads) * C + (g % heads) * N, c0 = (g % heads) * N;
    float s = 0.0;
    for (uint j = gl_LocalInvocationID.x; j < N; j += gl_WorkGroupSize.x)
        s += r.v[base + j] * k.v[base + j] * rK.v[c0 + j];
    s = workgroupSum(s);
    for (uint j = gl_LocalInvocationID.x; j < N; j += gl_WorkGroupSize.x) o.v[base + j] += s * v.v[base + j];
}
