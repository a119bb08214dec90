#version 460
// out = a + b or a ⊙ b per element (op follows rwkv::BinaryOp); b may broadcast one row.
layout(local_size_x = 256) in;
#include "common.glsl"

layout(push_constant) uniform Params {
    Floats outp, a, b;
    uint rows, cols, strideB, op;
};

void main()
{
    const uint i = flatInvocation();
    if (i >= rows * cols) return;
    const float vb = b.v[(i / cols) * strideB + i % cols];
    outp.v[i] = op == 0 ? a.v[i] + vb : a.v[i] * vb;
}
