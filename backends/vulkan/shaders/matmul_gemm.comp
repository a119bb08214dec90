#version 460
// matmul for many rows of input (prefill): out[T,O] = in[T,I] · Wᵀ, both operands with I
// contiguous. Each workgroup computes a 64×64 output tile from 16-deep slices of both
// operands staged in shared memory; each invocation accumulates a 4×4 block in registers.
#include "common.glsl"
#include "weights.glsl"

layout(local_size_x = 256) in;

layout(push_constant) uniform Params {
    Floats outp, inp, weight;
    Halves scales; // int8/q4 block scales
    uint T, I, O;
    uint tilesO; // workgroups along O
};

const uint kTile = 64, kDepth = 16, kSub = 4;
shared float sIn[kDepth][kTile + 1];
shared float sW[kDepth][kTile + 1];

void main()
{
    const uint tile = flatGroup();
    const uint o0 = (tile % tilesO) * kTile, t0 = (tile / tilesO) * kTile;
    const uint lid = gl_LocalInvocationID.x;
    const uint tx = lid % (kTile / kSub), ty = lid / (kTile / kSub); // 16 × 16 invocations
    float acc[kSub][kSub];
    for (uint a = 0; a < kSub; ++a)
        for (uint b = 0; b < kSub; ++b) acc[a][b] = 0.0;

    for (uint k0 = 0; k0 < I; k0 += kDepth) {
        // 64 rows × 16 depth per operand: 4 elements per invocation, depth fastest (coalesced).
        for (uint e = lid; e < kTile * kDepth; e += gl_WorkGroupSize.x) {
            const uint row = e / kDepth, d = e % kDepth, k = k0 + d;
            const uint t = t0 + row, o = o0 + row;
            sIn[d][row] = (t < T && k < I) ? inp.v[t * I + k] : 0.0;
            sW[d][row] = (o < O && k < I) ? loadWeight(weight, scales, o * I + k) : 0.0;
        }
        barrier();
        for (uint d = 0; d < kDepth; ++d) {
            float a[kSub], b[kSub];
            for (uint s = 0; s < kSub; ++s) {
                a[s] = sIn[d][ty * kSub + s];
                b[s] = sW[d][tx * kSub + s];
            }
            for (uint i = 0; i < kSub; ++i)
                for (uint j = 0; j < kSub; ++j) acc[i][j] += a[i] * b[j];
        }
        barrier();
    }
    for (uint i = 0; i < kSub; ++i) {
        const uint t = t0 + ty * kSub + i;
        if (t >= T) break;
        for (uint j = 0; j < kSub; ++j) {
            const uint o = o0 + tx * kSub + j;
            if (o < O) outp.v[t * O + o] = acc[i][j];
        }
    }
}
