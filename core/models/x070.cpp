// RWKV-7 "Goose" (x070) forward pass, rwkv-spec §3.4, written against the Device kernels.
#include "core/models/blocks.h"
#include "core/models/factory.h"

#include <algorithm>

namespace rwkv {

namespace {

struct X070Layer {
    LayerNormWeights ln1, ln2, lnX;
    DTensor mixR, mixW, mixK, mixV, mixA, mixG;   // token-shift coefficients x_r .. x_g
    DTensor w0, w1, w2, a0, a1, a2, v0, v1, v2, g1, g2;
    DTensor kK, kA, rK;
    DTensor receptance, key, value, output;
    DTensor ffnMixK;
    ChannelMixWeights ffn;
};

class X070 final : public Model {
public:
    X070(const Checkpoint& ck, std::span<const StagePlan> stages, const ModelConfig& config, const ProgressFn& progress)
        : Model(ck, stages, config),
          m_layers(loadLayers<X070Layer>(config.nLayer, progress, [this](int i) { return loadLayer(i); }))
    {
    }

protected:
    int carriedCount() const override { return 2; }
    void forwardLayers(Device& d, std::span<const DTensor> carried, int first, int end) override;

private:
    X070Layer loadLayer(int i)
    {
        DeviceWeights& w = weightsFor(i);
        const std::string b = "blocks." + std::to_string(i) + ".", a = b + "att.";
        X070Layer l;
        l.ln1 = loadLayerNorm(w, b + "ln1");
        l.ln2 = loadLayerNorm(w, b + "ln2");
        l.lnX = loadLayerNorm(w, a + "ln_x");
        l.mixR = w.vector(a + "x_r"); l.mixW = w.vector(a + "x_w"); l.mixK = w.vector(a + "x_k");
        l.mixV = w.vector(a + "x_v"); l.mixA = w.vector(a + "x_a"); l.mixG = w.vector(a + "x_g");
        l.w0 = w.vector(a + "w0"); l.w1 = w.factor(a + "w1"); l.w2 = w.factor(a + "w2");
        l.a0 = w.vector(a + "a0"); l.a1 = w.factor(a + "a1"); l.a2 = w.factor(a + "a2");
        if (i > 0) { // layer 0 defines v_first; its v0/v1/v2 are never used
            l.v0 = w.vector(a + "v0"); l.v1 = w.factor(a + "v1"); l.v2 = w.factor(a + "v2");
        }
        l.g1 = w.factor(a + "g1"); l.g2 = w.factor(a + "g2");
        l.kK = w.vector(a + "k_k"); l.kA = w.vector(a + "k_a"); l.rK = w.vector(a + "r_k");
        l.receptance = w.linear(a + "receptance.weight"); l.key = w.linear(a + "key.weight");
        l.value = w.linear(a + "value.weight"); l.output = w.linear(a + "output.weight");
        l.ffnMixK = w.vector(b + "ffn.x_k");
        l.ffn = loadChannelMix(w, b + "ffn.", false);
        return l;
    }

    std::vector<X070Layer> m_layers;
};

void X070::forwardLayers(Device& d, std::span<const DTensor> carried, int first, int end)
{
    const DTensor& x = carried[0];
    const int64_t T = x.rows, C = m_config.nEmbd, N = m_config.headSize;
    const int64_t lora = std::max({m_config.loraDecay, m_config.loraIclr, m_config.loraValue, m_config.loraGate});

    DTensor xx = scratch(T, C), prev = scratch(T, C);
    DTensor xr = scratch(T, C), xw = scratch(T, C), xk = scratch(T, C), xv = scratch(T, C), xa = scratch(T, C),
            xg = scratch(T, C);
    // v_first: layer 0's value, which later layers mix towards; carried across stages.
    const DTensor& vFirst = carried[1];
    DTensor r = scratch(T, C), k = scratch(T, C), v = scratch(T, C);
    DTensor w = scratch(T, C), a = scratch(T, C), g = scratch(T, C), vGate = scratch(T, C);
    DTensor alpha = scratch(T, C), beta = scratch(T, C), y = scratch(T, C), out = scratch(T, C);
    DTensor low = scratch(T, lora), hidden = scratch(T, m_config.nFfn);
    auto lowRank = [&](int rank) { return DTensor{low.data, DType::F32, T, rank}; };

    for (int i = first; i < end; ++i) {
        const X070Layer& l = m_layers[size_t(i)];
        // Time mix.
        normAndShift(d, xx, prev, x, l.ln1, stateTensor(StatePart::AttShift, i, 1, C));
        d.lerp(xr, xx, prev, l.mixR);
        d.lerp(xw, xx, prev, l.mixW);
        d.lerp(xk, xx, prev, l.mixK);
        d.lerp(xv, xx, prev, l.mixV);
        d.lerp(xa, xx, prev, l.mixA);
        d.lerp(xg, xx, prev, l.mixG);

        // Layer 0 writes its value straight into v_first, which later layers mix towards.
        const DTensor& val = i == 0 ? vFirst : v;
        d.matmul(r, xr, l.receptance);
        d.matmul(k, xk, l.key);
        d.matmul(val, xv, l.value);

        DTensor lw = lowRank(m_config.loraDecay);
        d.matmul(lw, xw, l.w1);
        d.unary(UnaryOp::Tanh, lw, lw);
        d.matmul(w, lw, l.w2);
        d.binary(BinaryOp::Add, w, w, l.w0);
        d.unary(UnaryOp::Decay7, w, w);

        DTensor la = lowRank(m_config.loraIclr);
        d.matmul(la, xa, l.a1);
        d.matmul(a, la, l.a2);
        d.binary(BinaryOp::Add, a, a, l.a0);
        d.unary(UnaryOp::Sigmoid, a, a);

        DTensor lg = lowRank(m_config.loraGate);
        d.matmul(lg, xg, l.g1);
        d.unary(UnaryOp::Sigmoid, lg, lg);
        d.matmul(g, lg, l.g2);

        if (i > 0) {
            DTensor lv = lowRank(m_config.loraValue);
            d.matmul(lv, xv, l.v1);
            d.matmul(vGate, lv, l.v2);
            d.binary(BinaryOp::Add, vGate, vGate, l.v0);
            d.unary(UnaryOp::Sigmoid, vGate, vGate);
            d.lerp(v, v, vFirst, vGate);
        }

        d.rwkv7KeyPrep(k, alpha, beta, a, l.kK, l.kA, int(N));
        d.wkv7(y, stateTensor(StatePart::Wkv, i, m_config.nHead * N, N), r, w, k, val, alpha, beta, int(N));
        d.groupNorm(y, y, l.lnX.weight, l.lnX.bias, int(N), 64e-5f);
        d.rwkv7Bonus(y, r, k, val, l.rK, int(N));
        d.binary(BinaryOp::Mul, y, y, g);
        d.matmul(out, y, l.output);
        d.binary(BinaryOp::Add, x, x, out);

        // Channel mix.
        normAndShift(d, xx, prev, x, l.ln2, stateTensor(StatePart::FfnShift, i, 1, C));
        d.lerp(xk, xx, prev, l.ffnMixK);
        channelMix(d, out, xk, xk, l.ffn, hidden, g);
        d.binary(BinaryOp::Add, x, x, out);
    }
}

} // namespace

std::unique_ptr<Model> makeX070(const Checkpoint& checkpoint, std::span<const StagePlan> stages,
                                const ModelConfig& config, const ProgressFn& progress)
{
    return std::make_unique<X070>(checkpoint, stages, config, progress);
}

} // namespace rwkv
