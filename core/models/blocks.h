#pragma once
// Pieces every RWKV generation shares, written once (design.md property 5).
#include "core/device.h"
#include "core/weights.h"

#include "core/checkpoint.h"

#include <string>
#include <vector>

namespace rwkv {

struct LayerNormWeights {
    DTensor weight, bias;
};

struct ChannelMixWeights {
    DTensor key, value;
    DTensor receptance; // empty for RWKV-7, which has no receptance gate
};

// Calls load(i) for every layer, reporting progress in layers.
template <class Layer, class Load>
std::vector<Layer> loadLayers(int count, const ProgressFn& progress, Load load)
{
    std::vector<Layer> layers;
    for (int i = 0; i < count; ++i) {
        layers.push_back(load(i));
        if (progress) progress(uint64_t(i + 1), uint64_t(count));
    }
    return layers;
}

LayerNormWeights loadLayerNorm(DeviceWeights& w, const std::string& prefix);
// prefix is "blocks.{i}.ffn.".
ChannelMixWeights loadChannelMix(DeviceWeights& w, const std::string& prefix, bool withReceptance);

// xx = LayerNorm(x); prev = xx shifted down one token, row 0 taken from shiftState (1×C),
// which then receives the last row of xx.
void normAndShift(Device& d, const DTensor& xx, const DTensor& prev, const DTensor& x, const LayerNormWeights& ln,
                  const DTensor& shiftState);

// out = σ(Wr·xr) ⊙ Wv·relu²(Wk·xk), or without the σ(Wr·xr) gate for RWKV-7.
// hidden (T×F) and gate (T×C) are scratch.
void channelMix(Device& d, const DTensor& out, const DTensor& xk, const DTensor& xr, const ChannelMixWeights& w,
                const DTensor& hidden, const DTensor& gate);

// The RWKV-5.2/6 time mix after token shift: r, k, v, g = silu(Wg·xg), the WKV with decay w
// (1 row for 5.2, T rows for 6) and bonus u, GroupNorm, gate, output projection.
struct TimeMix5Weights {
    DTensor receptance, key, value, gate, output;
    DTensor bonus; // u = time_faaaa, 1×C fp32
    LayerNormWeights lnX;
};
struct TimeMix5Inputs {
    DTensor xr, xk, xv, xg, w;
};
// prefix is "blocks.{i}.att.".
TimeMix5Weights loadTimeMix5(DeviceWeights& w, const std::string& prefix);
// r, k, v, g, y are T×C scratch; state is the layer's WKV state (H·N × N).
void timeMix5(Device& d, const DTensor& out, const TimeMix5Inputs& in, const DTensor& state, const TimeMix5Weights& w,
              int headSize, const DTensor& r, const DTensor& k, const DTensor& v, const DTensor& g, const DTensor& y);

} // namespace rwkv
