#version 460
// Token shift, one invocation per column: out row 0 = prev, out row t = in row t-1, then
// prev = the last row of in. Each column is read and written by one invocation in order.
layout(local_size_x = 64) in;
#include "common.glsl"

layout(push_constant) uniform Params {
    Floats outp, inp, prev;
    uint rows, cols;
};

void main()
{
    const uint c = flatInvocation();
    if (c >= cols) return;
    outp.v[c] = prev.v[c];
    for (uint t = 1; t < rows; ++t) outp.v[t * cols + c] = inp.v[(t - 1) * cols + c];
    prev.v[c] = inp.v[(rows - 1) * cols + c];
}
