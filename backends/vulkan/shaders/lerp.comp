#version 460
// out = a + (b - a) ⊙ t per element; an operand with row stride 0 broadcasts its one row.
layout(local_size_x = 256) in;
#include "common.glsl"

layout(push_constant) uniform Params {
    Floats outp, a, b, t;
    uint rows, cols;
    uint strideA, strideB, strideT; // floats per row, 0 for a broadcast row
};

void main()
{
    const uint i = flatInvocation();
    if (i >= rows * cols) return;
    const uint r = i / cols, c = i % cols;
    const float va = a.v[r * strideA + c];
    outp.v[i] = va + (b.v[r * strideB + c] - va) * t.v[r * strideT + c];
}
