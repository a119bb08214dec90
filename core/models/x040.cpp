// RWKV-4 (x040) forward pass, rwkv-spec §3.1: token shift with time_mix, the stable
// aa/bb/pp WKV, and the gated channel mix.
#include "core/models/blocks.h"
#include "core/models/factory.h"

#include <cmath>

namespace rwkv {

namespace {

struct X040Layer {
    LayerNormWeights ln1, ln2;
    DTensor mixK, mixV, mixR;
    DTensor decay, first; // w = -exp(time_decay), u = time_first, fp32
    DTensor key, value, receptance, output;
    DTensor ffnMixK, ffnMixR;
    ChannelMixWeights ffn;
};

class X040 final : public Model {
public:
    X040(const Checkpoint& ck, std::span<const StagePlan> stages, const ModelConfig& config, const ProgressFn& progress)
        : Model(ck, stages, config),
          m_layers(loadLayers<X040Layer>(config.nLayer, progress, [this](int i) { return loadLayer(i); }))
    {
    }

protected:
    void forwardLayers(Device& d, std::span<const DTensor> carried, int first, int end) override;

private:
    X040Layer loadLayer(int i)
    {
        DeviceWeights& w = weightsFor(i);
        const std::string b = "blocks." + std::to_string(i) + ".", a = b + "att.";
        X040Layer l;
        l.ln1 = loadLayerNorm(w, b + "ln1");
        l.ln2 = loadLayerNorm(w, b + "ln2");
        l.mixK = w.vector(a + "time_mix_k"); l.mixV = w.vector(a + "time_mix_v"); l.mixR = w.vector(a + "time_mix_r");
        std::vector<float> decay = w.read(a + "time_decay");
        for (float& d : decay) d = -std::exp(d);
        l.decay = w.upload(decay, 1, m_config.nEmbd, DType::F32);
        l.first = w.vector(a + "time_first");
        l.key = w.linear(a + "key.weight"); l.value = w.linear(a + "value.weight");
        l.receptance = w.linear(a + "receptance.weight"); l.output = w.linear(a + "output.weight");
        l.ffnMixK = w.vector(b + "ffn.time_mix_k"); l.ffnMixR = w.vector(b + "ffn.time_mix_r");
        l.ffn = loadChannelMix(w, b + "ffn.", true);
        return l;
    }

    std::vector<X040Layer> m_layers;
};

void X040::forwardLayers(Device& d, std::span<const DTensor> carried, int first, int end)
{
    const DTensor& x = carried[0];
    const int64_t T = x.rows, C = m_config.nEmbd;
    DTensor xx = scratch(T, C), prev = scratch(T, C), xk = scratch(T, C), xv = scratch(T, C), xr = scratch(T, C);
    DTensor r = scratch(T, C), k = scratch(T, C), v = scratch(T, C), y = scratch(T, C), out = scratch(T, C);
    DTensor hidden = scratch(T, m_config.nFfn);

    for (int i = first; i < end; ++i) {
        const X040Layer& l = m_layers[size_t(i)];
        // v4/v5 token shift: xx·μ + prev·(1−μ) = lerp(prev, xx, μ).
        normAndShift(d, xx, prev, x, l.ln1, stateTensor(StatePart::AttShift, i, 1, C));
        d.lerp(xk, prev, xx, l.mixK);
        d.lerp(xv, prev, xx, l.mixV);
        d.lerp(xr, prev, xx, l.mixR);
        d.matmul(r, xr, l.receptance);
        d.unary(UnaryOp::Sigmoid, r, r);
        d.matmul(k, xk, l.key);
        d.matmul(v, xv, l.value);
        d.wkv4(y, stateTensor(StatePart::Wkv, i, 3, C), l.decay, l.first, k, v);
        d.binary(BinaryOp::Mul, y, y, r);
        d.matmul(out, y, l.output);
        d.binary(BinaryOp::Add, x, x, out);

        normAndShift(d, xx, prev, x, l.ln2, stateTensor(StatePart::FfnShift, i, 1, C));
        d.lerp(xk, prev, xx, l.ffnMixK);
        d.lerp(xr, prev, xx, l.ffnMixR);
        channelMix(d, out, xk, xr, l.ffn, hidden, r);
        d.binary(BinaryOp::Add, x, x, out);
    }
}

} // namespace

std::unique_ptr<Model> makeX040(const Checkpoint& checkpoint, std::span<const StagePlan> stages,
                                const ModelConfig& config, const ProgressFn& progress)
{
    return std::make_unique<X040>(checkpoint, stages, config, progress);
}

} // namespace rwkv
