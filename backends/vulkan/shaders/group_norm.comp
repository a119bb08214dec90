#version 460
// LayerNorm over each group of groupSize consecutive columns (layerNorm: one group per row),
// then per-column weight and bias. One workgroup per (row, group); two passes over the
// group (mean, then the centred variance) so a large common offset costs no precision.
// out may alias in: every invocation writes only the elements it read.
#include "common.glsl"
#include "reduce.glsl"

layout(local_size_x = 128) in;

layout(push_constant) uniform Params {
    Floats outp, inp, w, b;
    uint cols, groupSize;
    float eps;
};

void main()
{
    const uint group = flatGroup(), groupsPerRow = cols / groupSize;
    const uint base = (group / groupsPerRow) * cols + (group % groupsPerRow) * groupSize;
    const uint col0 = (group % groupsPerRow) * groupSize;
    float s = 0.0;
    for (uint c = gl_LocalInvocationID.x; c < groupSize; c += gl_WorkGroupSize.x) s += inp.v[base + c];
    const float mean = workgroupSum(s) / float(groupSize);
    float q = 0.0;
    for (uint c = gl_LocalInvocationID.x; c < groupSize; c += gl_WorkGroupSize.x) {
        const float d = inp.v[base + c] - mean;
        q += d * d;
    }
    const float inv = inversesqrt(workgroupSum(q) / float(groupSize) + eps);
    for (uint c = gl_LocalInvocationID.x; c < groupSize; c += gl_WorkGroupSize.x)
        outp.v[base + c] = (inp.v[base + c] - mean) * inv * w.v[col0 + c] + b.v[col0 + c];
}
