#include "core/models/blocks.h"

namespace rwkv {

LayerNormWeights loadLayerNorm(DeviceWeights& w, const std::string& prefix)
{
    return {w.vector(prefix + ".weight"), w.vector(prefix + ".bias")};
}

ChannelMixWeights loadChannelMix(DeviceWeights& w, const std::string& prefix, bool withReceptance)
{
    ChannelMixWeights c{w.linear(prefix + "key.weight"), w.linear(prefix + "value.weight"), {}};
    if (withReceptance) c.receptance = w.linear(prefix + "receptance.weight");
    return c;
}

void normAndShift(Device& d, const DTensor& xx, const DTensor& prev, const DTensor& x, const LayerNormWeights& ln,
                  const DTensor& shiftState)
{
    d.layerNorm(xx, x, ln.weight, ln.bias, 1e-5f);
    d.tokenShift(prev, xx, shiftState);
}

void channelMix(Device& d, const DTensor& out, const DTensor& xk, const DTensor& xr, const ChannelMixWeights& w,
                const DTensor& hidden, const DTensor& gate)
{
    d.matmul(hidden, xk, w.key);
    d.unary(UnaryOp::ReluSquare, hidden, hidden);
    d.matmul(out, hidden, w.value);
    if (!w.receptance.data) return;
    d.matmul(gate, xr, w.receptance);
    d.unary(UnaryOp::Sigmoid, gate, gate);
    d.binary(BinaryOp::Mul, out, out, gate);
}

TimeMix5Weights loadTimeMix5(DeviceWeights& w, const std::string& prefix)
{
    TimeMix5Weights t;
    t.receptance = w.linear(prefix + "receptance.weight");
    t.key = w.linear(prefix + "key.weight");
    t.value = w.linear(prefix + "value.weight");
    t.gate = w.linear(prefix + "gate.weight");
    t.output = w.linear(prefix + "output.weight");
    t.bonus = w.vector(prefix + "time_faaaa");
    t.lnX = loadLayerNorm(w, prefix + "ln_x");
    return t;
}

void timeMix5(Device& d, const DTensor& out, const TimeMix5Inputs& in, const DTensor& state, const TimeMix5Weights& w,
              int headSize, const DTensor& r, const DTensor& k, const DTensor& v, const DTensor& g, const DTensor& y)
{
    d.matmul(r, in.xr, w.receptance);
    d.matmul(k, in.xk, w.key);
    d.matmul(v, in.xv, w.value);
    d.matmul(g, in.xg, w.gate);
    d.unary(UnaryOp::Silu, g, g);
    d.wkv5(y, state, r, in.w, k, v, w.bonus, headSize);
    d.groupNorm(y, y, w.lnX.weight, w.lnX.bias, headSize, 64e-5f);
    d.binary(BinaryOp::Mul, y, y, g);
    d.matmul(out, y, w.output);
}

} // namespace rwkv
