#version 460
// matmul for a few rows of input (decode): out[T,O] = in[T,I] · Wᵀ, T ≤ kMaxT. Each
// subgroup owns whole output rows: its lanes stride over I so that neighbours read
// neighbouring weights (coalesced), each weight is read once for all T input rows, and one
// subgroup reduction finishes a row, with no shared memory or barrier. With kVector (I a
// multiple of 8, 16-byte aligned tensors) each lane reads 8 weights at a time, in 16-byte
// loads for fp16/bf16 and 8-byte loads for int8/q4.
layout(local_size_x = 128) in;
#include "common.glsl"
#include "weights.glsl"
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_KHR_shader_subgroup_basic : require

layout(constant_id = 1) const bool kVector = false;

layout(buffer_reference, std430, buffer_reference_align = 16) readonly buffer Vec4s { vec4 v[]; };
layout(buffer_reference, std430, buffer_reference_align = 16) readonly buffer UVec4s { uvec4 v[]; };
layout(buffer_reference, std430, buffer_reference_align = 8) readonly buffer UVec2s { uvec2 v[]; };

layout(push_constant) uniform Params {
    Floats outp, inp, weight;
    Halves scales; // int8/q4 block scales
    uint T, I, O;
    uint rowsPerGroup; // a multiple of the number of subgroups
};

const uint kMaxT = 4;

// Weights 8q .. 8q+7 of the matrix (row-major, so within one row when I % 8 == 0).
void load8(uint q, out float w[8])
{
    if (kWeightType == 0) {
        const vec4 a = Vec4s(weight).v[2 * q], b = Vec4s(weight).v[2 * q + 1];
        w = float[8](a.x, a.y, a.z, a.w, b.x, b.y, b.z, b.w);
        return;
    }
    if (kWeightType >= 3) {
        // Block q / 4. int8: its bytes 8(q % 4) .. +7. q4: values 8(q % 4) .. +7 are the low
        // (q % 4 < 2) or high nibbles of its 8-byte half q % 2.
        const float d = float(scales.v[q / 4]);
        const uvec2 u = UVec2s(weight).v[kWeightType == 3 ? q : q / 4 * 2 + q % 2];
        const uint high = kWeightType == 3 ? 0 : 4 * (q % 4 / 2);
        for (uint k = 0; k < 8; ++k) w[k] = d * quantized(u[k / 4], 8 * (k % 4) + high);
        return;
    }
    const uvec4 u = UVec4s(weight).v[q];
    for (uint k = 0; k < 4; ++k) {
        if (kWeightType == 1) {
            const vec2 h = unpackHalf2x16(u[k]);
            w[2 * k] = h.x;
            w[2 * k + 1] = h.y;
        } else {
            w[2 * k] = uintBitsToFloat(u[k] << 16);
            w[2 * k + 1] = uintBitsToFloat(u[k] & 0xffff0000u);
        }
    }
}

// acc[t] += w · x[t][8q .. 8q+7] for every input row t.
void addBlock(uint q, float w[8], inout float acc[kMaxT])
{
    for (uint t = 0; t < T && t < kMaxT; ++t) {
        const vec4 a = Vec4s(inp).v[t * I / 4 + 2 * q], b = Vec4s(inp).v[t * I / 4 + 2 * q + 1];
        acc[t] += dot(vec4(w[0], w[1], w[2], w[3]), a) + dot(vec4(w[4], w[5], w[6], w[7]), b);
    }
}

void main()
{
    const uint lane = gl_SubgroupInvocationID, width = gl_SubgroupSize;
    for (uint r = gl_SubgroupID; r < rowsPerGroup; r += gl_NumSubgroups) {
        const uint row = flatGroup() * rowsPerGroup + r;
        if (row >= O) break; // the same for the whole subgroup
        float acc[kMaxT];
        for (uint t = 0; t < kMaxT; ++t) acc[t] = 0.0;
        if (kVector) {
            // Four independent 16-byte loads in flight per lane before any is used.
            const uint blocks = I / 8, base = row * blocks;
            uint q = lane;
            for (; q + 3 * width < blocks; q += 4 * width) {
                float w0[8], w1[8], w2[8], w3[8];
                load8(base + q, w0);
                load8(base + q + width, w1);
                load8(base + q + 2 * width, w2);
                load8(base + q + 3 * width, w3);
                addBlock(q, w0, acc);
                addBlock(q + width, w1, acc);
                addBlock(q + 2 * width, w2, acc);
                addBlock(q + 3 * width, w3, acc);
            }
            for (; q < blocks; q += width) {
                float w[8];
                load8(base + q, w);
                addBlock(q, w, acc);
            }
        } else {
            for (uint i = lane; i < I; i += width) {
                const float w = loadWeight(weight, scales, row * I + i);
                for (uint t = 0; t < T && t < kMaxT; ++t) acc[t] += w * inp.v[t * I + i];
            }
        }
        for (uint t = 0; t < kMaxT; ++t) {
            const float s = subgroupAdd(acc[t]);
            if (lane == 0 && t < T) outp.v[t * O + row] = s;
        }
    }
}
