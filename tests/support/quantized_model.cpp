#include "support/quantized_model.h"

#include "core/model.h"
#include "core/quantize.h"
#include "core/tokenizer/world_tokenizer.h"
#include "support/test_support.h"
#include "support/weight_decode.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <random>

namespace rwkv::test {

std::vector<float> variedBlocks(size_t rows, size_t cols)
{
    std::mt19937 rng(7);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> w(rows * cols);
    for (size_t r = 0; r < rows; ++r)
        for (size_t c = 0; c < cols; ++c) {
            const float magnitude = std::ldexp(1.0f, int(r % 20) - 12); // 2^-12 … 2^7
            w[r * cols + c] = r == 5 ? 0.0f : normal(rng) * magnitude * (c % 32 == 3 ? 30.0f : 1.0f);
        }
    return w;
}

namespace {

std::vector<std::byte> quantize(DType type, std::span<const float> w, int64_t cols)
{
    assert(type == DType::Q8 || type == DType::Q4);
    return type == DType::Q4 ? quantizeQ4(w, cols) : quantizeQ8(w, cols);
}

} // namespace

Agreement compareLogits(const std::vector<float>& got, const std::vector<float>& ref, size_t vocab)
{
    Agreement a;
    a.positions = ref.size() / vocab;
    double maxAbs = 0, maxErr = 0;
    size_t same = 0;
    for (size_t p = 0; p < a.positions; ++p) {
        const float* g = got.data() + p * vocab;
        const float* r = ref.data() + p * vocab;
        for (size_t i = 0; i < vocab; ++i) {
            maxAbs = std::max(maxAbs, double(std::fabs(r[i])));
            maxErr = std::max(maxErr, double(std::fabs(g[i] - r[i])));
        }
        same += std::max_element(g, g + vocab) - g == std::max_element(r, r + vocab) - r;
    }
    a.maxRelative = maxErr / maxAbs;
    a.top1 = double(same) / double(a.positions);
    return a;
}

std::vector<int32_t> proseTokens64()
{
    const std::vector<int32_t> once = WorldTokenizer::load(worldVocabPath())->encode(
        "Hello there, how are you? I hope the weather is fine where you are, and that the garden is growing well after "
        "all the rain we had last week.");
    std::vector<int32_t> tokens;
    while (tokens.size() < 64) tokens.insert(tokens.end(), once.begin(), once.end());
    tokens.resize(64);
    return tokens;
}

std::vector<float> allLogits(const Checkpoint& ck, Device& device, DType type, std::span<const int32_t> tokens,
                             size_t chunk)
{
    auto model = Model::load(ck, device, type);
    State state = model->newState();
    if (chunk == 0) return model->forward(tokens, state, true);
    std::vector<float> out;
    for (size_t i = 0; i < tokens.size(); i += chunk) {
        const std::vector<float> part = model->forward(tokens.subspan(i, std::min(chunk, tokens.size() - i)), state, true);
        out.insert(out.end(), part.begin(), part.end());
    }
    return out;
}

// To first order, a matmul whose weights carry a relative rms error ε moves its outputs by
// about ε of their size; along the path to the logits these moves add at most linearly, and the
// norms between layers keep activations at unit scale, so they are not amplified. Every
// quantized matrix (nn.Linear weights of whole 32-blocks, head included, not the embedding:
// weights.h) is on every token's path, so the bound is their count times the largest ε. For
// int8 it is loose (measured errors are 2.5-14× below it) but not vacuous: int8 weights whose
// scales were lost or misplaced miss it by orders of magnitude.
double logitsBound(const Checkpoint& ck, DType type)
{
    size_t quantized = 0;
    double worst = 0;
    for (const TensorView& t : ck.tensors()) {
        if (t.shape.size() != 2 || !t.name.ends_with(".weight") || t.name == "emb.weight" || t.shape[1] % 32 != 0)
            continue;
        std::vector<float> w(size_t(t.numel()));
        convertToFloat(t.bytes.data(), t.dtype, w.size(), w.data());
        const std::vector<std::byte> q = quantize(type, w, t.shape[1]);
        double err = 0, norm = 0;
        for (size_t i = 0; i < w.size(); ++i) {
            const double e = double(w[i]) - decodeQuantized(type == DType::Q4, q, w.size(), i);
            err += e * e;
            norm += double(w[i]) * double(w[i]);
        }
        worst = std::max(worst, std::sqrt(err / norm));
        ++quantized;
    }
    return double(quantized) * worst;
}

DemoAgreement demoModelAgreement(Device& cpu, DType type)
{
    const Checkpoint ck = Checkpoint::open(demoModelPath());
    const auto tokenizer = WorldTokenizer::load(worldVocabPath());
    const char* texts[] = {
        "The quick brown fox jumps over the lazy dog. Pack my box with five dozen liquor jugs.",
        "In 1854 the cholera outbreak near Broad Street in London was traced to a single water pump.",
        "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n",
        "User: What is the tallest mountain in the world?\n\nAssistant:",
        "Document: Photosynthesis turns light, water and carbon dioxide into sugar and oxygen.\n\n",
    };
    DemoAgreement d;
    for (const char* text : texts) {
        const std::vector<int32_t> tokens = tokenizer->encode(text);
        const std::vector<float> ref = allLogits(ck, cpu, DType::F32, tokens);
        const Agreement a = compareLogits(allLogits(ck, cpu, type, tokens), ref, 65536);
        d.positions += a.positions;
        d.agreeing += size_t(std::lround(a.top1 * double(a.positions)));
        d.worst = std::max(d.worst, a.maxRelative);
    }
    return d;
}

} // namespace rwkv::test
