#version 460
// Element-wise activations; op numbers follow rwkv::UnaryOp.
layout(local_size_x = 256) in;
#include "common.glsl"

layout(push_constant) uniform Params {
    Floats outp, inp;
    uint n, op;
};

float sigmoid(float x) { return 1.0 / (1.0 + exp(-x)); }

void main()
{
    const uint i = flatInvocation();
    if (i >= n) return;
    const float x = inp.v[i];
    float y;
    switch (op) {
    case 0: y = tanh(clamp(x, -15.0, 15.0)); break; // tanh(±15) rounds to ±1; avoids inf/inf
    case 1: y = sigmoid(x); break;
    case 2: y = x > 0.0 ? x * x : 0.0; break;
    case 3: y = x * sigmoid(x); break;
    case 4: y = exp(-exp(min(x, 88.0))); break; // exp(88) already makes the decay 0
    default: y = exp(-0.606531 * sigmoid(x)); break;
    }
    outp.v[i] = y;
}
