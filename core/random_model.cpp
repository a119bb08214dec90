#include "core/random_model.h"

#include "core/error.h"
#include "core/parallel_range.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace rwkv {

namespace {

// Value i of a tensor is a hash of (seed, tensor number, i) (splitmix64's finaliser), so
// blocks of a large tensor fill on all cores and the file does not depend on their number:
// a 7.2B-parameter checkpoint takes seconds, not the minutes of one sequential generator.
uint64_t mix(uint64_t z)
{
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

class TensorMaker {
public:
    TensorMaker(DType dtype, uint64_t seed) : m_dtype(dtype), m_seed(mix(seed)) {}

    // Uniform in [lo, hi).
    void add(const std::string& name, std::vector<int64_t> shape, float lo, float hi)
    {
        int64_t n = 1;
        for (int64_t d : shape) n *= d;
        NamedTensor t{name, m_dtype, std::move(shape), std::vector<std::byte>(size_t(n) * dtypeSize(m_dtype))};
        const uint64_t key = mix(m_seed ^ m_tensors.size());
        std::byte* out = t.bytes.data();
        const auto fill = [&](int64_t begin, int64_t end) {
            for (int64_t i = begin; i < end; ++i) {
                const float u = float(mix(key + uint64_t(i)) >> 40) * 0x1p-24f; // 24 bits: [0, 1)
                const float v = lo + (hi - lo) * u;
                if (m_dtype == DType::F32) {
                    std::memcpy(out + 4 * i, &v, 4);
                } else {
                    const uint16_t h = m_dtype == DType::BF16 ? floatToBf16(v) : floatToF16(v);
                    std::memcpy(out + 2 * i, &h, 2);
                }
            }
        };
        parallelRange(n, int64_t(1) << 16, fill);
        m_tensors.push_back(std::move(t));
    }
    void vec(const std::string& name, int64_t c, float lo, float hi) { add(name, {1, 1, c}, lo, hi); }

    std::vector<NamedTensor> take() { return std::move(m_tensors); }

private:
    DType m_dtype;
    uint64_t m_seed;
    std::vector<NamedTensor> m_tensors;
};

// The official RWKV-7 rank rule: max(32, round(factor · C^power / 32) · 32).
int loraRank(int width, double factor, double power)
{
    return std::max(32, int(std::lround(factor * std::pow(double(width), power) / 32.0)) * 32);
}

// Per-layer tensors of each generation, at trained-model-like scales.
void addX070Layer(TensorMaker& m, const std::string& b, int64_t C, int64_t H, int64_t N, int width)
{
    const std::string a = b + "att.";
    const int64_t dW = loraRank(width, 1.8, 0.5), dA = dW, dV = loraRank(width, 1.3, 0.5), dG = loraRank(width, 0.6, 0.8);
    const float lin = 1.0f / std::sqrt(float(C));
    for (const char* x : {"x_r", "x_w", "x_k", "x_v", "x_a", "x_g"}) m.vec(a + x, C, 0.0f, 1.0f);
    m.vec(a + "w0", C, -3.0f, 1.0f);
    m.add(a + "w1", {C, dW}, -0.1f, 0.1f);
    m.add(a + "w2", {dW, C}, -0.1f, 0.1f);
    m.vec(a + "a0", C, -0.5f, 0.5f);
    m.add(a + "a1", {C, dA}, -0.1f, 0.1f);
    m.add(a + "a2", {dA, C}, -0.1f, 0.1f);
    m.vec(a + "v0", C, -0.5f, 0.5f);
    m.add(a + "v1", {C, dV}, -0.1f, 0.1f);
    m.add(a + "v2", {dV, C}, -0.1f, 0.1f);
    m.add(a + "g1", {C, dG}, -0.1f, 0.1f);
    m.add(a + "g2", {dG, C}, -0.1f, 0.1f);
    m.vec(a + "k_k", C, 0.7f, 1.0f);
    m.vec(a + "k_a", C, 0.8f, 1.2f);
    m.add(a + "r_k", {H, N}, -0.1f, 0.1f);
    for (const char* w : {"receptance", "key", "value", "output"}) m.add(a + w + ".weight", {C, C}, -lin, lin);
    m.add(a + "ln_x.weight", {C}, 0.5f, 1.0f);
    m.add(a + "ln_x.bias", {C}, -0.1f, 0.1f);
    m.vec(b + "ffn.x_k", C, 0.0f, 1.0f);
}

void addX040Layer(TensorMaker& m, const std::string& b, int64_t C)
{
    const std::string a = b + "att.";
    const float lin = 1.0f / std::sqrt(float(C));
    for (const char* x : {"time_mix_k", "time_mix_v", "time_mix_r"}) m.vec(a + x, C, 0.0f, 1.0f);
    m.add(a + "time_decay", {C}, -4.0f, 1.0f);
    m.add(a + "time_first", {C}, -1.0f, 1.0f);
    for (const char* w : {"key", "value", "receptance", "output"}) m.add(a + w + ".weight", {C, C}, -lin, lin);
    for (const char* x : {"time_mix_k", "time_mix_r"}) m.vec(b + "ffn." + x, C, 0.0f, 1.0f);
}

void addX05Layer(TensorMaker& m, const std::string& b, int64_t C, int64_t H, int64_t N, bool v6)
{
    const std::string a = b + "att.";
    const float lin = 1.0f / std::sqrt(float(C));
    if (v6) {
        const int64_t dm = 32, dd = 64;
        for (const char* x : {"time_maa_x", "time_maa_w", "time_maa_k", "time_maa_v", "time_maa_r", "time_maa_g"})
            m.vec(a + x, C, 0.0f, 1.0f);
        m.add(a + "time_maa_w1", {C, 5 * dm}, -0.1f, 0.1f);
        m.add(a + "time_maa_w2", {5, dm, C}, -0.1f, 0.1f);
        m.vec(a + "time_decay", C, -4.0f, 1.0f);
        m.add(a + "time_decay_w1", {C, dd}, -0.1f, 0.1f);
        m.add(a + "time_decay_w2", {dd, C}, -0.1f, 0.1f);
    } else {
        for (const char* x : {"time_mix_k", "time_mix_v", "time_mix_r", "time_mix_g"}) m.vec(a + x, C, 0.0f, 1.0f);
        m.add(a + "time_decay", {H, N}, -4.0f, 1.0f);
    }
    m.add(a + "time_faaaa", {H, N}, -1.0f, 1.0f);
    for (const char* w : {"receptance", "key", "value", "gate", "output"}) m.add(a + w + ".weight", {C, C}, -lin, lin);
    m.add(a + "ln_x.weight", {C}, 0.5f, 1.0f);
    m.add(a + "ln_x.bias", {C}, -0.1f, 0.1f);
    m.vec(b + (v6 ? "ffn.time_maa_k" : "ffn.time_mix_k"), C, 0.0f, 1.0f);
    m.vec(b + (v6 ? "ffn.time_maa_r" : "ffn.time_mix_r"), C, 0.0f, 1.0f);
}

} // namespace

std::vector<NamedTensor> makeRandomModel(const RandomModelSpec& s)
{
    if (s.layers <= 0 || s.width <= 0 || s.vocab <= 0 || s.headSize <= 0 || s.width % s.headSize != 0)
        throw Error(ErrorCode::InvalidArgument, "make-random: layers, width, vocab must be positive and width a multiple of the head size");
    const bool v56 = s.generation == Generation::X052 || s.generation == Generation::X060;
    // Released RWKV-5/6 models use F = 3.5·C rounded down to a multiple of 32; RWKV-4/7 use 4·C.
    const int64_t C = s.width, H = C / s.headSize, V = s.vocab;
    const int64_t F = s.ffn > 0 ? s.ffn : (v56 ? C * 7 / 2 / 32 * 32 : 4 * C);
    const float lin = 1.0f / std::sqrt(float(C)), linF = 1.0f / std::sqrt(float(F));

    TensorMaker m(s.dtype, s.seed);
    m.add("emb.weight", {V, C}, -1.0f, 1.0f);
    m.add("blocks.0.ln0.weight", {C}, 0.8f, 1.2f);
    m.add("blocks.0.ln0.bias", {C}, -0.1f, 0.1f);
    for (int i = 0; i < s.layers; ++i) {
        const std::string b = "blocks." + std::to_string(i) + ".";
        for (const char* ln : {"ln1", "ln2"}) {
            m.add(b + ln + ".weight", {C}, 0.8f, 1.2f);
            m.add(b + ln + ".bias", {C}, -0.1f, 0.1f);
        }
        switch (s.generation) {
        case Generation::X040: addX040Layer(m, b, C); break;
        case Generation::X052: addX05Layer(m, b, C, H, s.headSize, false); break;
        case Generation::X060: addX05Layer(m, b, C, H, s.headSize, true); break;
        case Generation::X070: addX070Layer(m, b, C, H, s.headSize, s.width); break;
        }
        m.add(b + "ffn.key.weight", {F, C}, -lin, lin);
        m.add(b + "ffn.value.weight", {C, F}, -linF, linF);
        if (s.generation != Generation::X070) m.add(b + "ffn.receptance.weight", {C, C}, -lin, lin);
    }
    m.add("ln_out.weight", {C}, 0.8f, 1.2f);
    m.add("ln_out.bias", {C}, -0.1f, 0.1f);
    m.add("head.weight", {V, C}, -lin, lin);
    return m.take();
}

} // namespace rwkv
