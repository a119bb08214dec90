// RWKV-6 (x060) forward pass, rwkv-spec §3.3: data-dependent token shift (five LoRA mixes
// from one shared input) and a per-token decay w = exp(-exp(time_decay + LoRA)).
#include "core/models/blocks.h"
#include "core/models/factory.h"

#include <array>

namespace rwkv {

namespace {

constexpr int kMixes = 5; // in checkpoint order: w, k, v, r, g

struct X060Layer {
    LayerNormWeights ln1, ln2;
    DTensor mixX;
    std::array<DTensor, kMixes> mix, mixDown, mixUp; // time_maa_*, and LoRA slices [Dm×C], [C×Dm]
    DTensor decay, decayDown, decayUp;
    TimeMix5Weights att;
    DTensor ffnMixK, ffnMixR;
    ChannelMixWeights ffn;
};

class X060 final : public Model {
public:
    X060(const Checkpoint& ck, std::span<const StagePlan> stages, const ModelConfig& config, const ProgressFn& progress)
        : Model(ck, stages, config),
          m_layers(loadLayers<X060Layer>(config.nLayer, progress, [this](int i) { return loadLayer(i); }))
    {
    }

protected:
    void forwardLayers(Device& d, std::span<const DTensor> carried, int first, int end) override;

private:
    X060Layer loadLayer(int i)
    {
        DeviceWeights& w = weightsFor(i);
        const std::string b = "blocks." + std::to_string(i) + ".", a = b + "att.";
        const int64_t C = m_config.nEmbd, D = m_config.loraMix;
        X060Layer l;
        l.ln1 = loadLayerNorm(w, b + "ln1");
        l.ln2 = loadLayerNorm(w, b + "ln2");
        l.mixX = w.vector(a + "time_maa_x");
        // time_maa_w1 (C, 5·D) and time_maa_w2 (5, D, C) hold five LoRAs side by side; split
        // them into [out, in] slices so each mix is two plain matmuls.
        const std::vector<float> w1 = w.read(a + "time_maa_w1"), w2 = w.read(a + "time_maa_w2");
        const char* names[kMixes] = {"time_maa_w", "time_maa_k", "time_maa_v", "time_maa_r", "time_maa_g"};
        for (int g = 0; g < kMixes; ++g) {
            std::vector<float> down(size_t(D * C)), up(size_t(C * D));
            for (int64_t c = 0; c < C; ++c)
                for (int64_t d = 0; d < D; ++d) {
                    down[size_t(d * C + c)] = w1[size_t(c * kMixes * D + g * D + d)];
                    up[size_t(c * D + d)] = w2[size_t((g * D + d) * C + c)];
                }
            l.mix[size_t(g)] = w.vector(a + names[g]);
            l.mixDown[size_t(g)] = w.upload(down, D, C, w.smallMatrixType());
            l.mixUp[size_t(g)] = w.upload(up, C, D, w.smallMatrixType());
        }
        l.decay = w.vector(a + "time_decay");
        l.decayDown = w.factor(a + "time_decay_w1");
        l.decayUp = w.factor(a + "time_decay_w2");
        l.att = loadTimeMix5(w, a);
        l.ffnMixK = w.vector(b + "ffn.time_maa_k"); l.ffnMixR = w.vector(b + "ffn.time_maa_r");
        l.ffn = loadChannelMix(w, b + "ffn.", true);
        return l;
    }

    std::vector<X060Layer> m_layers;
};

void X060::forwardLayers(Device& d, std::span<const DTensor> carried, int first, int end)
{
    const DTensor& x = carried[0];
    const int64_t T = x.rows, C = m_config.nEmbd, N = m_config.headSize;
    DTensor xx = scratch(T, C), prev = scratch(T, C), xxx = scratch(T, C), m = scratch(T, C), out = scratch(T, C);
    TimeMix5Inputs in{scratch(T, C), scratch(T, C), scratch(T, C), scratch(T, C), scratch(T, C)};
    DTensor xw = scratch(T, C);
    DTensor r = scratch(T, C), k = scratch(T, C), v = scratch(T, C), g = scratch(T, C), y = scratch(T, C);
    DTensor lowMix = scratch(T, m_config.loraMix), lowDecay = scratch(T, m_config.loraDecay);
    DTensor hidden = scratch(T, m_config.nFfn);
    const std::array<const DTensor*, kMixes> targets = {&xw, &in.xk, &in.xv, &in.xr, &in.xg};

    for (int i = first; i < end; ++i) {
        const X060Layer& l = m_layers[size_t(i)];
        // v6 token shift: xx + (prev − xx)·(maa + LoRA(xxx)) = lerp(xx, prev, ·).
        normAndShift(d, xx, prev, x, l.ln1, stateTensor(StatePart::AttShift, i, 1, C));
        d.lerp(xxx, xx, prev, l.mixX);
        for (size_t j = 0; j < kMixes; ++j) {
            d.matmul(lowMix, xxx, l.mixDown[j]);
            d.unary(UnaryOp::Tanh, lowMix, lowMix);
            d.matmul(m, lowMix, l.mixUp[j]);
            d.binary(BinaryOp::Add, m, m, l.mix[j]);
            d.lerp(*targets[j], xx, prev, m);
        }
        d.matmul(lowDecay, xw, l.decayDown);
        d.unary(UnaryOp::Tanh, lowDecay, lowDecay);
        d.matmul(in.w, lowDecay, l.decayUp);
        d.binary(BinaryOp::Add, in.w, in.w, l.decay);
        d.unary(UnaryOp::Decay6, in.w, in.w);
        timeMix5(d, out, in, stateTensor(StatePart::Wkv, i, m_config.nHead * N, N), l.att, int(N), r, k, v, g, y);
        d.binary(BinaryOp::Add, x, x, out);

        normAndShift(d, xx, prev, x, l.ln2, stateTensor(StatePart::FfnShift, i, 1, C));
        d.lerp(in.xk, xx, prev, l.ffnMixK);
        d.lerp(in.xr, xx, prev, l.ffnMixR);
        channelMix(d, out, in.xk, in.xr, l.ffn, hidden, r);
        d.binary(BinaryOp::Add, x, x, out);
    }
}

} // namespace

std::unique_ptr<Model> makeX060(const Checkpoint& checkpoint, std::span<const StagePlan> stages,
                                const ModelConfig& config, const ProgressFn& progress)
{
    return std::make_unique<X060>(checkpoint, stages, config, progress);
}

} // namespace rwkv
