#version 460
// Token shift, one invocation per column of each sequence b: out row 0 = prev row b, out row
// t = in row t-1, then prev row b = the sequence's last row of in. Each column is read and
// written by one invocation in order. Sequence b holds rows [b·rows, (b+1)·rows).
layout(local_size_x = 64) in;
#include "common.glsl"

layout(push_constant) uniform Params {
    Floats outp, inp, prev;
    uint rows, cols, seqs; // rows per sequence
};

void main()
{
    const uint i = flatInvocation();
    if (i >= seqs * cols) return;
    const uint b = i / cols, c = i % cols, base = b * rows * cols + c;
    outp.v[base] = prev.v[i];
    for (uint t = 1; t < rows; ++t) outp.v[base + t * cols] = inp.v[base + (t - 1) * cols];
    prev.v[i] = inp.v[base + (rows - 1) * cols];
}
