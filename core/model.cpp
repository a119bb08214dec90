#include "core/model.h"

#include "core/error.h"
#include "core/models/factory.h"

#include <cmath>
#include <cstring>
#include <optional>

namespace rwkv {

namespace {

constexpr int kHeadRows = 16;       // logits rows computed per head matmul
constexpr size_t kScratchAlign = 64; // bytes

} // namespace

std::unique_ptr<Model> Model::load(const Checkpoint& checkpoint, Device& device, DType matrixType,
                                   const ProgressFn& progress)
{
    if (matrixType != DType::F32 && matrixType != DType::F16 && matrixType != DType::BF16)
        throw Error(ErrorCode::InvalidArgument, "weights can be stored as fp32, fp16 or bf16 only");
    const ModelConfig config = detectModelConfig(checkpoint);
    switch (config.generation) {
    case Generation::X040: return makeX040(checkpoint, device, matrixType, config, progress);
    case Generation::X052: return makeX052(checkpoint, device, matrixType, config, progress);
    case Generation::X060: return makeX060(checkpoint, device, matrixType, config, progress);
    case Generation::X070: return makeX070(checkpoint, device, matrixType, config, progress);
    }
    throw Error(ErrorCode::Unsupported, "unknown RWKV generation");
}

Model::Model(const Checkpoint& checkpoint, Device& device, DType matrixType, const ModelConfig& config)
    : m_config(config), m_fingerprint(checkpoint.fingerprint()), m_device(device), m_matrixType(matrixType),
      m_weights(checkpoint, device, matrixType),
      m_initialState(mergedTunedState(checkpoint, config, m_fingerprint).value_or(State(config, m_fingerprint)))
{
    const int64_t C = config.nEmbd, V = config.vocab;
    // Fold ln0 into the embedding in fp32 (spec §1.5): the model always applies it right
    // after the lookup, so this is exact and keeps the lookup a plain copy.
    const TensorView& emb = checkpoint.at("emb.weight");
    const TensorView& w = checkpoint.at("blocks.0.ln0.weight");
    const TensorView& b = checkpoint.at("blocks.0.ln0.bias");
    m_emb.resize(size_t(V * C));
    convertToFloat(emb.bytes.data(), emb.dtype, m_emb.size(), m_emb.data());
    for (int64_t t = 0; t < V; ++t) {
        float* row = &m_emb[size_t(t * C)];
        double mean = 0, var = 0;
        for (int64_t c = 0; c < C; ++c) mean += row[c];
        mean /= double(C);
        for (int64_t c = 0; c < C; ++c) var += (row[c] - mean) * (row[c] - mean);
        const double inv = 1.0 / std::sqrt(var / double(C) + 1e-5);
        for (int64_t c = 0; c < C; ++c) row[c] = float((row[c] - mean) * inv) * w.at(size_t(c)) + b.at(size_t(c));
    }
    m_lnOutW = m_weights.vector("ln_out.weight");
    m_lnOutB = m_weights.vector("ln_out.bias");
    m_head = m_weights.linear("head.weight");

    // Scratch: every activation of one chunk plus a block of logits rows.
    const size_t floats = size_t(kMaxChunkTokens) * size_t(48 * C + 2 * config.nFfn) + size_t(kHeadRows * V);
    m_scratchBuffer = device.allocate(floats * 4 + 64 * kScratchAlign);
}

DTensor Model::scratch(int64_t rows, int64_t cols)
{
    DTensor t{nullptr, DType::F32, rows, cols};
    const size_t bytes = (t.bytes() + kScratchAlign - 1) / kScratchAlign * kScratchAlign;
    if (m_scratchUsed + bytes > m_scratchBuffer->size())
        throw Error(ErrorCode::OutOfMemory, "model scratch memory exhausted");
    t.data = static_cast<char*>(m_scratchBuffer->data()) + m_scratchUsed;
    m_scratchUsed += bytes;
    return t;
}

DTensor Model::stateTensor(std::span<float> values, int64_t rows, int64_t cols) const
{
    if (!m_stateHost) return DTensor{values.data(), DType::F32, rows, cols};
    float* device = static_cast<float*>(m_stateBuffer->data()) + (values.data() - m_stateHost);
    return DTensor{device, DType::F32, rows, cols};
}

std::vector<float> Model::forward(std::span<const int32_t> tokens, State& state, bool allLogits)
{
    if (state.weightsFingerprint() != m_fingerprint || state.config().nLayer != m_config.nLayer
        || state.data().size() != size_t(m_config.stateFloatsPerLayer() * m_config.nLayer))
        throw Error(ErrorCode::IncompatibleState, "the state belongs to another model");
    for (int32_t t : tokens)
        if (t < 0 || t >= m_config.vocab)
            throw Error(ErrorCode::InvalidArgument, "token id " + std::to_string(t) + " is outside the vocabulary (0.."
                                                        + std::to_string(m_config.vocab - 1) + ")");
    const size_t V = size_t(m_config.vocab);
    std::vector<float> logits(allLogits ? tokens.size() * V : (tokens.empty() ? 0 : V));
    // A device without host memory works on a copy of the state: uploaded here, downloaded
    // after the last chunk (on an error the State keeps its old value). This round trip per
    // call could be saved by a device-resident state cache keyed by the State; not built yet.
    std::optional<DTensor> mirror;
    if (!m_device.hostMemory()) {
        if (!m_stateBuffer) m_stateBuffer = m_device.allocate(state.data().size() * 4);
        mirror = DTensor{m_stateBuffer->data(), DType::F32, 1, int64_t(state.data().size())};
        m_device.upload(*mirror, state.data().data());
        m_stateHost = state.data().data();
    }
    struct Unmirror {
        const float*& host;
        ~Unmirror() { host = nullptr; }
    } unmirror{m_stateHost};
    for (size_t first = 0; first < tokens.size(); first += kMaxChunkTokens) {
        const size_t n = std::min<size_t>(kMaxChunkTokens, tokens.size() - first);
        const bool last = first + n == tokens.size();
        float* out = allLogits ? logits.data() + first * V : (last ? logits.data() : nullptr);
        runChunk(tokens.subspan(first, n), state, out, allLogits);
    }
    if (mirror) m_device.download(state.data().data(), *mirror);
    return logits;
}

void Model::runChunk(std::span<const int32_t> tokens, State& state, float* logitsOut, bool allLogits)
{
    m_scratchUsed = 0;
    const int64_t T = int64_t(tokens.size()), C = m_config.nEmbd;
    DTensor x = scratch(T, C);
    std::vector<float> rows(size_t(T * C));
    for (int64_t t = 0; t < T; ++t)
        std::memcpy(&rows[size_t(t * C)], &m_emb[size_t(tokens[size_t(t)]) * size_t(C)], size_t(C) * 4);
    m_device.upload(x, rows.data());

    forwardBlocks(x, state);
    if (!logitsOut) return;

    // Only the rows whose logits are wanted go through ln_out and the head (spec §4.1).
    const int64_t first = allLogits ? 0 : T - 1;
    DTensor normed = scratch(std::min<int64_t>(kHeadRows, T - first), C);
    DTensor logits = scratch(normed.rows, m_config.vocab);
    for (int64_t r = first; r < T; r += kHeadRows) {
        const int64_t n = std::min<int64_t>(kHeadRows, T - r);
        DTensor in = normed.rowRange(0, n), out = logits.rowRange(0, n);
        m_device.layerNorm(in, x.rowRange(r, n), m_lnOutW, m_lnOutB, 1e-5f);
        m_device.matmul(out, in, m_head);
        m_device.download(logitsOut + size_t(r - first) * size_t(m_config.vocab), out);
    }
}

} // namespace rwkv
