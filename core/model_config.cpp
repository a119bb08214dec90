#include "core/model_config.h"

#include "core/checkpoint.h"
#include "core/error.h"
#include "core/quantized_file.h"
#include "core/utf8_path.h"

#include <algorithm>
#include <charconv>
#include <set>
#include <vector>

namespace rwkv {

std::string_view generationId(Generation g)
{
    switch (g) {
    case Generation::X040: return "x040";
    case Generation::X052: return "x052";
    case Generation::X060: return "x060";
    case Generation::X070: return "x070";
    }
    return "?";
}

std::string_view generationName(Generation g)
{
    switch (g) {
    case Generation::X040: return "RWKV-4";
    case Generation::X052: return "RWKV-5.2";
    case Generation::X060: return "RWKV-6";
    case Generation::X070: return "RWKV-7";
    }
    return "?";
}

int64_t ModelConfig::stateFloatsPerLayer() const
{
    if (generation == Generation::X040) return 5LL * nEmbd;
    return 2LL * nEmbd + int64_t(nHead) * headSize * headSize;
}

std::string ModelConfig::describe() const
{
    const std::string heads = nHead ? " H" + std::to_string(nHead) + "x" + std::to_string(headSize) : "";
    return std::string(generationName(generation)) + " L" + std::to_string(nLayer) + " C" + std::to_string(nEmbd)
        + heads + " F" + std::to_string(nFfn) + " V" + std::to_string(vocab);
}

namespace {

using Shape = std::vector<int64_t>;

std::string shapeText(const Shape& s)
{
    std::string out = "[";
    for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
    return out + "]";
}

std::string fileName(const Checkpoint& ck) { return pathToUtf8(ck.path().filename()); }

// Far above any RWKV model (the largest has 61 layers, C 5120, V 65536), and small enough
// that every size derived from them (state floats, parameter counts) fits in int64.
constexpr int kMaxLayers = 4096;
constexpr int64_t kMaxSize = int64_t(1) << 20;

[[noreturn]] void badShape(const Checkpoint& ck, const std::string& what)
{
    throw Error(ErrorCode::BadFile, fileName(ck) + ": " + what);
}

// Number of layers: 1 + the largest i among keys "blocks.{i}.". An index beyond kMaxLayers, or
// beyond what the tensors present could describe, is refused rather than trusted.
int countLayers(const Checkpoint& ck)
{
    uint64_t maxIndex = 0;
    bool any = false;
    for (const TensorView& t : ck.tensors()) {
        if (!t.name.starts_with("blocks.")) continue;
        const char* begin = t.name.data() + 7;
        const char* end = t.name.data() + t.name.size();
        uint64_t i = 0;
        const auto [p, ec] = std::from_chars(begin, end, i);
        if (p == begin || p == end || *p != '.') continue;
        if (ec != std::errc() || i >= uint64_t(kMaxLayers) || i >= ck.tensors().size())
            badShape(ck, "tensor " + t.name + " has layer index " + std::string(begin, p) + "; at most "
                             + std::to_string(kMaxLayers) + " layers are supported, and every layer needs its tensors");
        maxIndex = std::max(maxIndex, i);
        any = true;
    }
    return any ? int(maxIndex) + 1 : 0;
}

// Dimension `axis` of tensor `name` as a model size, in [minimum, kMaxSize]: sizes feed int
// arithmetic (state and buffer sizes), so none is trusted unbounded or truncated.
int sizeOf(const Checkpoint& ck, const std::string& name, size_t axis, int64_t minimum = 1)
{
    const TensorView& t = ck.at(name);
    if (axis >= t.shape.size())
        badShape(ck, "tensor " + name + " has shape " + shapeText(t.shape) + ", too few dimensions");
    const int64_t value = t.shape[axis];
    if (value < minimum || value > kMaxSize)
        badShape(ck, "tensor " + name + " has shape " + shapeText(t.shape) + "; dimension " + std::to_string(axis)
                         + " is outside " + std::to_string(minimum) + ".." + std::to_string(kMaxSize));
    return int(value);
}

bool anyKeyContains(const Checkpoint& ck, std::string_view part)
{
    return std::any_of(ck.tensors().begin(), ck.tensors().end(),
                       [&](const TensorView& t) { return t.name.find(part) != std::string::npos; });
}

// Checks that `name` exists with exactly `expected` shape; vectors stored as (1,1,C) or (C)
// are accepted in either form.
void expectShape(const Checkpoint& ck, const std::string& name, const Shape& expected)
{
    const TensorView* t = ck.find(name);
    if (!t) throw Error(ErrorCode::BadFile, fileName(ck) + ": missing tensor " + name);
    const bool quantized = (t->dtype == DType::I8 || t->dtype == DType::U8) && isLinearWeight(name); // core/quantized_file.h
    if (t->dtype != DType::F32 && t->dtype != DType::F16 && t->dtype != DType::BF16 && !quantized)
        throw Error(ErrorCode::Unsupported, fileName(ck) + ": tensor " + name + " has dtype "
                                                + std::string(dtypeName(t->dtype)) + "; only fp32, fp16 and bf16 are supported");
    Shape got = t->shape;
    if (quantized && got.size() == 2) got[1] = logicalColumns(*t); // q4: two values per byte
    if (expected.size() == 1 && got.size() == 3 && got[0] == 1 && got[1] == 1) got = {got[2]};
    if (got != expected)
        throw Error(ErrorCode::BadFile, fileName(ck) + ": tensor " + name + " has shape " + shapeText(t->shape)
                                            + ", expected " + shapeText(expected));
}

// Shapes every generation shares: layer norms and the channel-mix matrices.
void expectCommonLayer(const Checkpoint& ck, const ModelConfig& c, const std::string& b, bool ffnReceptance)
{
    const int64_t C = c.nEmbd, F = c.nFfn;
    for (const char* v : {"ln1.weight", "ln1.bias", "ln2.weight", "ln2.bias"}) expectShape(ck, b + v, {C});
    expectShape(ck, b + "ffn.key.weight", {F, C});
    expectShape(ck, b + "ffn.value.weight", {C, F});
    if (ffnReceptance) expectShape(ck, b + "ffn.receptance.weight", {C, C});
}

void setHeads(const Checkpoint& ck, ModelConfig& c, int64_t heads)
{
    if (heads <= 0 || c.nEmbd % heads != 0)
        throw Error(ErrorCode::BadFile, fileName(ck) + ": " + std::to_string(heads) + " heads do not divide the width "
                                            + std::to_string(c.nEmbd));
    c.nHead = int(heads);
    c.headSize = int(c.nEmbd / heads);
}

ModelConfig detectX040(const Checkpoint& ck, ModelConfig c)
{
    c.nFfn = sizeOf(ck, "blocks.0.ffn.key.weight", 0);
    const int64_t C = c.nEmbd;
    for (int i = 0; i < c.nLayer; ++i) {
        const std::string b = "blocks." + std::to_string(i) + ".", a = b + "att.";
        expectCommonLayer(ck, c, b, true);
        for (const char* v : {"time_mix_k", "time_mix_v", "time_mix_r", "time_decay", "time_first"}) expectShape(ck, a + v, {C});
        for (const char* v : {"time_mix_k", "time_mix_r"}) expectShape(ck, b + "ffn." + v, {C});
        for (const char* m : {"key.weight", "value.weight", "receptance.weight", "output.weight"}) expectShape(ck, a + m, {C, C});
    }
    return c;
}

ModelConfig detectX052(const Checkpoint& ck, ModelConfig c)
{
    const TensorView& decay = ck.at("blocks.0.att.time_decay");
    if (!ck.find("blocks.0.att.gate.weight") || decay.shape.size() != 2 || decay.shape[1] <= 1)
        throw Error(ErrorCode::Unsupported, fileName(ck) + ": RWKV-5.0/5.1 pre-release checkpoints are not supported (only 5.2)");
    setHeads(ck, c, sizeOf(ck, "blocks.0.att.time_decay", 0));
    c.nFfn = sizeOf(ck, "blocks.0.ffn.key.weight", 0);
    const int64_t C = c.nEmbd;
    for (int i = 0; i < c.nLayer; ++i) {
        const std::string b = "blocks." + std::to_string(i) + ".", a = b + "att.";
        expectCommonLayer(ck, c, b, true);
        for (const char* v : {"time_mix_k", "time_mix_v", "time_mix_r", "time_mix_g", "ln_x.weight", "ln_x.bias"})
            expectShape(ck, a + v, {C});
        for (const char* v : {"time_decay", "time_faaaa"}) expectShape(ck, a + v, {c.nHead, c.headSize});
        for (const char* v : {"time_mix_k", "time_mix_r"}) expectShape(ck, b + "ffn." + v, {C});
        for (const char* m : {"key.weight", "value.weight", "receptance.weight", "gate.weight", "output.weight"})
            expectShape(ck, a + m, {C, C});
    }
    return c;
}

ModelConfig detectX060(const Checkpoint& ck, ModelConfig c)
{
    setHeads(ck, c, sizeOf(ck, "blocks.0.att.time_faaaa", 0));
    c.nFfn = sizeOf(ck, "blocks.0.ffn.key.weight", 0);
    const TensorView& w2 = ck.at("blocks.0.att.time_maa_w2");
    if (w2.shape.size() != 3) throw Error(ErrorCode::BadFile, fileName(ck) + ": blocks.0.att.time_maa_w2 is not (5, D, C)");
    c.loraMix = sizeOf(ck, "blocks.0.att.time_maa_w2", 1);
    c.loraDecay = sizeOf(ck, "blocks.0.att.time_decay_w1", 1);
    const int64_t C = c.nEmbd;
    for (int i = 0; i < c.nLayer; ++i) {
        const std::string b = "blocks." + std::to_string(i) + ".", a = b + "att.";
        expectCommonLayer(ck, c, b, true);
        for (const char* v : {"time_maa_x", "time_maa_w", "time_maa_k", "time_maa_v", "time_maa_r", "time_maa_g",
                              "time_decay", "ln_x.weight", "ln_x.bias"})
            expectShape(ck, a + v, {C});
        expectShape(ck, a + "time_faaaa", {c.nHead, c.headSize});
        expectShape(ck, a + "time_maa_w1", {C, 5LL * c.loraMix});
        expectShape(ck, a + "time_maa_w2", {5, c.loraMix, C});
        expectShape(ck, a + "time_decay_w1", {C, c.loraDecay});
        expectShape(ck, a + "time_decay_w2", {c.loraDecay, C});
        for (const char* v : {"time_maa_k", "time_maa_r"}) expectShape(ck, b + "ffn." + v, {C});
        for (const char* m : {"key.weight", "value.weight", "receptance.weight", "gate.weight", "output.weight"})
            expectShape(ck, a + m, {C, C});
    }
    return c;
}

ModelConfig detectX070(const Checkpoint& ck, ModelConfig c)
{
    const TensorView& rk = ck.at("blocks.0.att.r_k");
    if (rk.shape.size() != 2) throw Error(ErrorCode::BadFile, fileName(ck) + ": blocks.0.att.r_k is not (H, N)");
    c.nHead = sizeOf(ck, "blocks.0.att.r_k", 0);
    c.headSize = sizeOf(ck, "blocks.0.att.r_k", 1);
    if (int64_t(c.nHead) * c.headSize != c.nEmbd)
        throw Error(ErrorCode::BadFile, fileName(ck) + ": heads × head size (" + std::to_string(c.nHead) + "×"
                                            + std::to_string(c.headSize) + ") differs from the width " + std::to_string(c.nEmbd));
    c.nFfn = sizeOf(ck, "blocks.0.ffn.key.weight", 0);
    // Layer 0's v1 is unused and may be absent, so read the value-residual rank from layer 1.
    const std::string loraLayer = c.nLayer > 1 ? "blocks.1.att." : "blocks.0.att.";
    auto rank = [&](const std::string& key) { return sizeOf(ck, key, 1, 0); };
    c.loraDecay = rank("blocks.0.att.w1");
    c.loraIclr = rank("blocks.0.att.a1");
    c.loraGate = rank("blocks.0.att.g1");
    c.loraValue = ck.find(loraLayer + "v1") ? rank(loraLayer + "v1") : 0;

    const int64_t C = c.nEmbd, F = c.nFfn;
    for (int i = 0; i < c.nLayer; ++i) {
        const std::string b = "blocks." + std::to_string(i) + ".";
        for (const char* v : {"ln1.weight", "ln1.bias", "ln2.weight", "ln2.bias", "att.x_r", "att.x_w", "att.x_k",
                              "att.x_v", "att.x_a", "att.x_g", "att.w0", "att.a0", "att.k_k", "att.k_a",
                              "att.ln_x.weight", "att.ln_x.bias", "ffn.x_k"})
            expectShape(ck, b + v, {C});
        expectShape(ck, b + "att.r_k", {c.nHead, c.headSize});
        expectShape(ck, b + "att.w1", {C, c.loraDecay});
        expectShape(ck, b + "att.w2", {c.loraDecay, C});
        expectShape(ck, b + "att.a1", {C, c.loraIclr});
        expectShape(ck, b + "att.a2", {c.loraIclr, C});
        expectShape(ck, b + "att.g1", {C, c.loraGate});
        expectShape(ck, b + "att.g2", {c.loraGate, C});
        if (i > 0) {
            expectShape(ck, b + "att.v0", {C});
            expectShape(ck, b + "att.v1", {C, c.loraValue});
            expectShape(ck, b + "att.v2", {c.loraValue, C});
        }
        for (const char* m : {"att.receptance.weight", "att.key.weight", "att.value.weight", "att.output.weight"})
            expectShape(ck, b + m, {C, C});
        expectShape(ck, b + "ffn.key.weight", {F, C});
        expectShape(ck, b + "ffn.value.weight", {C, F});
    }
    return c;
}

} // namespace

ModelConfig detectModelConfig(const Checkpoint& ck)
{
    if (anyKeyContains(ck, ".att.time_state") && !ck.find("emb.weight"))
        throw Error(ErrorCode::Unsupported, fileName(ck) + ": this is a state-tuning file (time_state tensors only), not a model");
    if (!ck.find("emb.weight"))
        throw Error(ErrorCode::Unsupported, fileName(ck) + ": not an RWKV checkpoint (no emb.weight tensor)");

    ModelConfig c;
    const TensorView& emb = ck.at("emb.weight");
    if (emb.shape.size() != 2) throw Error(ErrorCode::BadFile, fileName(ck) + ": emb.weight is not a matrix");
    c.vocab = sizeOf(ck, "emb.weight", 0);
    c.nEmbd = sizeOf(ck, "emb.weight", 1);
    c.nLayer = countLayers(ck);
    if (c.nLayer == 0) throw Error(ErrorCode::BadFile, fileName(ck) + ": no blocks.N tensors");

    if (ck.find("blocks.0.att.r_k") || ck.find("blocks.0.att.k_k") || ck.find("blocks.0.att.x_r")) {
        if (anyKeyContains(ck, "ffn.s_emb"))
            throw Error(ErrorCode::Unsupported, fileName(ck) + ": RWKV-7 DeepEmbed variants are not supported");
        c.generation = Generation::X070;
        c = detectX070(ck, c);
    } else if (anyKeyContains(ck, "att.time_maa_x")) {
        c.generation = Generation::X060;
        c = detectX060(ck, c);
    } else if (anyKeyContains(ck, "att.ln_x")) {
        c.generation = Generation::X052;
        c = detectX052(ck, c);
    } else if (ck.find("blocks.0.att.time_decay") && ck.find("blocks.0.att.time_first")) {
        c.generation = Generation::X040;
        c = detectX040(ck, c);
    } else {
        throw Error(ErrorCode::Unsupported, fileName(ck) + ": unknown architecture (not an RWKV-4/5/6/7 key layout)");
    }

    for (const char* v : {"blocks.0.ln0.weight", "blocks.0.ln0.bias", "ln_out.weight", "ln_out.bias"})
        expectShape(ck, v, {c.nEmbd});
    expectShape(ck, "head.weight", {c.vocab, c.nEmbd});

    // A quantized file's scales are not parameters, and its q4 matrices pack two in a byte
    // (quantized_file.h), so it counts as the model it was made from.
    c.paramCount = 0;
    for (const TensorView& t : ck.tensors())
        if (!t.name.ends_with(".att.time_state") && !isQuantizedScale(t.name))
            c.paramCount += t.dtype == DType::U8 ? 2 * t.numel() : t.numel();
    return c;
}

} // namespace rwkv
