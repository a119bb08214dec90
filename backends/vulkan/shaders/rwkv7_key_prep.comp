#version 460
// RWKV-7 key preparation, one workgroup per (token, head): κ = l2normalise(k ⊙ kK) (eps
// 1e-12), alpha = -κ, beta = κ ⊙ a, k ← k ⊙ (1 + (a - 1) ⊙ kA). Each invocation rewrites
// only the key elements it read.
#include "common.glsl"
#include "reduce.glsl"

layout(local_size_x = 64) in;

layout(push_constant) uniform Params {
    Floats k, alpha, beta, a, kK, kA;
    uint C, N;
};

void main()
{
    const uint g = flatGroup(), heads = C / N;
    const uint base = (g / heads) * C + (g % heads) * N, c0 = (g % heads) * N;
    float q = 0.0;
    for (uint j = gl_LocalInvocationID.x; j < N; j += gl_WorkGroupSize.x) {
        const float x = k.v[base + j] * kK.v[c0 + j];
        q += x * x;
    }
    const float inv = 1.0 / max(sqrt(workgroupSum(q)), 1e-12);
    for (uint j = gl_LocalInvocationID.x; j < N; j += gl_WorkGroupSize.x) {
        const float kj = k.v[base + j], aj = a.v[base + j];
        const float kappa = kj * kK.v[c0 + j] * inv;
        alpha.v[base + j] = -kappa;
        beta.v[base + j] = kappa * aj;
        k.v[base + j] = kj * (1.0 + (aj - 1.0) * kA.v[c0 + j]);
    }
}
