// RWKV-5.2 (x052) forward pass, rwkv-spec §3.2: v4-style token shift with four mixes and a
// constant per-channel decay w = exp(-exp(time_decay)).
#include "core/models/blocks.h"
#include "core/models/factory.h"

#include <cmath>

namespace rwkv {

namespace {

struct X052Layer {
    LayerNormWeights ln1, ln2;
    DTensor mixK, mixV, mixR, mixG;
    DTensor decay; // exp(-exp(time_decay)), 1×C fp32
    TimeMix5Weights att;
    DTensor ffnMixK, ffnMixR;
    ChannelMixWeights ffn;
};

class X052 final : public Model {
public:
    X052(const Checkpoint& ck, std::span<const StagePlan> stages, const ModelConfig& config, const ProgressFn& progress)
        : Model(ck, stages, config),
          m_layers(loadLayers<X052Layer>(config.nLayer, progress, [this](int i) { return loadLayer(i); }))
    {
    }

protected:
    void forwardLayers(Device& d, std::span<const DTensor> carried, int first, int end) override;

private:
    X052Layer loadLayer(int i)
    {
        DeviceWeights& w = weightsFor(i);
        const std::string b = "blocks." + std::to_string(i) + ".", a = b + "att.";
        X052Layer l;
        l.ln1 = loadLayerNorm(w, b + "ln1");
        l.ln2 = loadLayerNorm(w, b + "ln2");
        l.mixK = w.vector(a + "time_mix_k"); l.mixV = w.vector(a + "time_mix_v");
        l.mixR = w.vector(a + "time_mix_r"); l.mixG = w.vector(a + "time_mix_g");
        std::vector<float> decay = w.read(a + "time_decay");
        for (float& d : decay) d = std::exp(-std::exp(d));
        l.decay = w.upload(decay, 1, m_config.nEmbd, DType::F32);
        l.att = loadTimeMix5(w, a);
        l.ffnMixK = w.vector(b + "ffn.time_mix_k"); l.ffnMixR = w.vector(b + "ffn.time_mix_r");
        l.ffn = loadChannelMix(w, b + "ffn.", true);
        return l;
    }

    std::vector<X052Layer> m_layers;
};

void X052::forwardLayers(Device& d, std::span<const DTensor> carried, int first, int end)
{
    const DTensor& x = carried[0];
    const int64_t T = x.rows, C = m_config.nEmbd, N = m_config.headSize;
    DTensor xx = scratch(T, C), prev = scratch(T, C), out = scratch(T, C);
    TimeMix5Inputs in{scratch(T, C), scratch(T, C), scratch(T, C), scratch(T, C), {}};
    DTensor r = scratch(T, C), k = scratch(T, C), v = scratch(T, C), g = scratch(T, C), y = scratch(T, C);
    DTensor hidden = scratch(T, m_config.nFfn);

    for (int i = first; i < end; ++i) {
        const X052Layer& l = m_layers[size_t(i)];
        // v4/v5 token shift: xx·μ + prev·(1−μ) = lerp(prev, xx, μ).
        normAndShift(d, xx, prev, x, l.ln1, stateTensor(StatePart::AttShift, i, 1, C));
        d.lerp(in.xk, prev, xx, l.mixK);
        d.lerp(in.xv, prev, xx, l.mixV);
        d.lerp(in.xr, prev, xx, l.mixR);
        d.lerp(in.xg, prev, xx, l.mixG);
        in.w = l.decay;
        timeMix5(d, out, in, stateTensor(StatePart::Wkv, i, m_config.nHead * N, N), l.att, int(N), r, k, v, g, y);
        d.binary(BinaryOp::Add, x, x, out);

        normAndShift(d, xx, prev, x, l.ln2, stateTensor(StatePart::FfnShift, i, 1, C));
        d.lerp(in.xk, prev, xx, l.ffnMixK);
        d.lerp(in.xr, prev, xx, l.ffnMixR);
        channelMix(d, out, in.xk, in.xr, l.ffn, hidden, r);
        d.binary(BinaryOp::Add, x, x, out);
    }
}

} // namespace

std::unique_ptr<Model> makeX052(const Checkpoint& checkpoint, std::span<const StagePlan> stages,
                                const ModelConfig& config, const ProgressFn& progress)
{
    return std::make_unique<X052>(checkpoint, stages, config, progress);
}

} // namespace rwkv
