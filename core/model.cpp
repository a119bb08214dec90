#include "core/model.h"

#include "core/error.h"
#include "core/memory_estimate.h"
#include "core/models/factory.h"

#include <cmath>
#include <cstring>
#include <new>

namespace rwkv {

namespace {

// An out-of-memory failure while loading, said with what the weights need (the estimate
// `rwkv-cli info` and the precision picker show) and what to do.
Error loadOutOfMemory(const ModelConfig& config, const StagePlan& first, const std::string& what)
{
    const size_t bytes = estimatedWeightBytes(config, first.matrixType);
    return Error(ErrorCode::OutOfMemory, "cannot load the model: " + what + "; its weights as "
                                             + std::string(dtypeName(first.matrixType)) + " take about "
                                             + std::to_string(bytes >> 20)
                                             + " MiB. Close other programs, or choose a smaller precision (bf16, int8, q4)");
}

} // namespace

std::unique_ptr<Model> Model::load(const Checkpoint& checkpoint, Device& device, DType matrixType,
                                   const ProgressFn& progress)
{
    const StagePlan whole{&device, matrixType, -1};
    return load(checkpoint, std::span(&whole, 1), progress);
}

std::unique_ptr<Model> Model::load(const Checkpoint& checkpoint, std::span<const StagePlan> stages,
                                   const ProgressFn& progress)
{
    for (const StagePlan& s : stages) {
        if (s.matrixType != DType::F32 && s.matrixType != DType::F16 && s.matrixType != DType::BF16
            && !isQuantized(s.matrixType))
            throw Error(ErrorCode::InvalidArgument, "weights can be stored as fp32, fp16, bf16, int8 or q4 only");
        if (!s.device->supportsWeights(s.matrixType))
            throw Error(ErrorCode::Unsupported, s.device->name() + " cannot run " + std::string(dtypeName(s.matrixType))
                                                    + " weights: use fp16 or bf16 there");
    }
    const ModelConfig config = detectModelConfig(checkpoint);
    try {
        switch (config.generation) {
        case Generation::X040: return makeX040(checkpoint, stages, config, progress);
        case Generation::X052: return makeX052(checkpoint, stages, config, progress);
        case Generation::X060: return makeX060(checkpoint, stages, config, progress);
        case Generation::X070: return makeX070(checkpoint, stages, config, progress);
        }
    } catch (const std::bad_alloc&) {
        throw loadOutOfMemory(config, stages.front(), "out of memory");
    } catch (const Error& e) {
        if (e.code() != ErrorCode::OutOfMemory) throw;
        throw loadOutOfMemory(config, stages.front(), e.what());
    }
    throw Error(ErrorCode::Unsupported, "unknown RWKV generation");
}

Model::Model(const Checkpoint& checkpoint, std::span<const StagePlan> stages, const ModelConfig& config)
    : m_config(config), m_fingerprint(checkpoint.fingerprint()),
      m_initialState(mergedTunedState(checkpoint, config, m_fingerprint).value_or(State(config, m_fingerprint)))
{
    std::vector<int> layers;
    for (const StagePlan& s : stages) layers.push_back(s.layers);
    const std::vector<std::pair<int, int>> ranges = stageLayerRanges(layers, config.nLayer);
    const int64_t C = config.nEmbd, V = config.vocab;
    for (size_t i = 0; i < stages.size(); ++i) {
        Device& d = *stages[i].device;
        m_stages.push_back({&d, ranges[i].first, ranges[i].second,
                            std::make_unique<DeviceWeights>(checkpoint, d, stages[i].matrixType),
                            d.allocate(stageScratchBytes(config, i + 1 == stages.size())), nullptr, nullptr});
    }

    // Fold ln0 into the embedding in fp32 (spec §1.5): the model always applies it right
    // after the lookup, so this is exact and keeps the lookup a plain copy.
    const TensorView& emb = checkpoint.at("emb.weight");
    const TensorView& w = checkpoint.at("blocks.0.ln0.weight");
    const TensorView& b = checkpoint.at("blocks.0.ln0.bias");
    m_emb.resize(size_t(V * C));
    convertToFloat(emb.bytes.data(), emb.dtype, m_emb.size(), m_emb.data());
    // Its file pages are not read again: without this they stay resident as long as weights
    // used in place keep the mapping (a 0.1B bf16 model: 96 MiB).
    checkpoint.releasePages(emb.bytes);
    for (int64_t t = 0; t < V; ++t) {
        float* row = &m_emb[size_t(t * C)];
        double mean = 0, var = 0;
        for (int64_t c = 0; c < C; ++c) mean += row[c];
        mean /= double(C);
        for (int64_t c = 0; c < C; ++c) var += (row[c] - mean) * (row[c] - mean);
        const double inv = 1.0 / std::sqrt(var / double(C) + 1e-5);
        for (int64_t c = 0; c < C; ++c) row[c] = float((row[c] - mean) * inv) * w.at(size_t(c)) + b.at(size_t(c));
    }
    DeviceWeights& last = *m_stages.back().weights;
    m_lnOutW = last.vector("ln_out.weight");
    m_lnOutB = last.vector("ln_out.bias");
    m_head = last.linear("head.weight");
}

std::string Model::placement() const
{
    auto describe = [](const Stage& s) { return s.device->name() + " " + std::string(dtypeName(s.weights->matrixType())); };
    if (m_stages.size() == 1) return describe(m_stages.front());
    std::string out;
    for (const Stage& s : m_stages)
        out += (out.empty() ? "" : "; ") + ("layers " + std::to_string(s.first) + "-" + std::to_string(s.end - 1) + ": ")
            + describe(s);
    return out;
}

size_t Model::weightBytes() const
{
    size_t n = m_emb.size() * 4;
    for (const Stage& s : m_stages) n += s.weights->bytes();
    return n;
}

size_t Model::mappedWeightBytes() const
{
    size_t n = 0;
    for (const Stage& s : m_stages) n += s.weights->mappedBytes();
    return n;
}

size_t Model::bytesPerDecodedToken() const
{
    size_t n = 0;
    for (const Stage& s : m_stages) n += s.weights->matrixBytes();
    return n;
}

size_t Model::matrixParameters() const
{
    size_t n = 0;
    for (const Stage& s : m_stages) n += s.weights->matrixElements();
    return n;
}

DeviceWeights& Model::weightsFor(int layer)
{
    for (Stage& s : m_stages)
        if (layer >= s.first && layer < s.end) return *s.weights;
    throw Error(ErrorCode::InvalidArgument, "layer " + std::to_string(layer) + " is in no stage");
}

void Model::enterStage(size_t s)
{
    m_running = s;
    m_scratchUsed = 0;
}

DTensor Model::scratch(int64_t rows, int64_t cols)
{
    DeviceBuffer& buffer = *m_stages[m_running].scratch;
    DTensor t{nullptr, DType::F32, rows, cols};
    const size_t bytes = (t.bytes() + kScratchAlign - 1) / kScratchAlign * kScratchAlign;
    if (m_scratchUsed + bytes > buffer.size()) throw Error(ErrorCode::OutOfMemory, "model scratch memory exhausted");
    t.data = static_cast<char*>(buffer.data()) + m_scratchUsed;
    m_scratchUsed += bytes;
    return t;
}

DTensor Model::stateTensor(StatePart part, int i, int64_t rows, int64_t cols) const
{
    const Stage& s = m_stages[m_running];
    const size_t at = m_initialState.offset(part, i);
    const size_t inStage = at - size_t(s.first) * size_t(m_config.stateFloatsPerLayer());
    if (!m_feeding) { // a batched step: each layer's parts hold B States' parts in turn
        float* batch = static_cast<float*>(s.batchBuffer->data()) + size_t(m_feedBatch) * inStage;
        return DTensor{batch, DType::F32, rows * m_feedBatch, cols};
    }
    if (s.device->hostMemory()) return DTensor{m_feeding->m_data.data() + at, DType::F32, rows, cols};
    return DTensor{static_cast<float*>(s.stateBuffer->data()) + inStage, DType::F32, rows, cols};
}

DTensor Model::stateBufferView(const Stage& s) const
{
    const size_t floats = size_t(s.end - s.first) * size_t(m_config.stateFloatsPerLayer());
    return DTensor{s.stateBuffer->data(), DType::F32, 1, int64_t(floats)};
}

Model::~Model()
{
    // A State outliving the model keeps its floats (a failed download leaves them unspecified).
    const std::lock_guard guard(*m_stateLock);
    if (m_resident && m_resident.use_count() > 1) try {
            m_resident->flush();
        } catch (...) {
        }
    for (const std::shared_ptr<StateMirror>& slot : m_batchSlots)
        if (slot && slot.use_count() > 1) try {
                slot->flush();
            } catch (...) {
            }
}

void Model::fetchState(float* out)
{
    for (const Stage& s : m_stages)
        if (!s.device->hostMemory())
            s.device->download(out + size_t(s.first) * size_t(m_config.stateFloatsPerLayer()), stateBufferView(s));
    ++m_transfers.downloads;
}

// The layers of stages without host memory live in per-stage device buffers between calls,
// for one State at a time (the resident one); the layers of host-memory stages stay in the
// State. Switching States flushes the previous one to its mirror's host copy if still held.
bool Model::makeResident(State& state)
{
    if (m_resident && state.m_mirror == m_resident) return false;
    state.sync();
    const size_t perLayer = size_t(m_config.stateFloatsPerLayer());
    std::vector<StateMirror::Range> ranges;
    for (const Stage& s : m_stages)
        if (!s.device->hostMemory()) ranges.push_back({size_t(s.first) * perLayer, size_t(s.end - s.first) * perLayer});
    if (ranges.empty()) return false;
    if (m_resident && m_resident.use_count() > 1) m_resident->flush();
    m_resident.reset();
    for (Stage& s : m_stages) {
        if (s.device->hostMemory()) continue;
        if (!s.stateBuffer) s.stateBuffer = s.device->allocate(size_t(s.end - s.first) * perLayer * 4);
        s.device->upload(stateBufferView(s), state.m_data.data() + size_t(s.first) * perLayer);
    }
    ++m_transfers.uploads;
    m_resident = std::make_shared<StateMirror>(std::move(ranges), [this](float* out) { fetchState(out); }, m_stateLock);
    state.m_mirror = m_resident;
    return true;
}

void Model::checkInput(std::span<const int32_t> tokens, const State& state) const
{
    if (state.weightsFingerprint() != m_fingerprint || state.config().nLayer != m_config.nLayer
        || state.m_data.size() != size_t(m_config.stateFloatsPerLayer() * m_config.nLayer))
        throw Error(ErrorCode::IncompatibleState, "the state belongs to another model");
    for (int32_t t : tokens)
        if (t < 0 || t >= m_config.vocab)
            throw Error(ErrorCode::InvalidArgument, "token id " + std::to_string(t) + " is outside the vocabulary (0.."
                                                        + std::to_string(m_config.vocab - 1) + ")");
}

std::vector<float> Model::forward(std::span<const int32_t> tokens, State& state, bool allLogits)
{
    checkInput(tokens, state);
    const size_t V = size_t(m_config.vocab);
    std::vector<float> logits(allLogits ? tokens.size() * V : (tokens.empty() ? 0 : V));
    // A State resident on another model comes home before taking this model's lock (one
    // lock at a time: no lock-order deadlock between two models).
    if (state.m_mirror && !state.m_mirror->usesLock(m_stateLock.get())) state.sync();
    const std::lock_guard guard(*m_stateLock);
    const bool uploaded = makeResident(state);
    m_feeding = &state;
    m_feedBatch = 1;
    try {
        for (size_t first = 0; first < tokens.size(); first += kMaxChunkTokens) {
            const size_t n = std::min<size_t>(kMaxChunkTokens, tokens.size() - first);
            const bool last = first + n == tokens.size();
            float* out = allLogits ? logits.data() + first * V : (last ? logits.data() : nullptr);
            runChunk(tokens.subspan(first, n), out, allLogits);
        }
    } catch (...) {
        if (m_resident) { // never leave a State attached to a device copy in an unknown state
            if (!uploaded) try {
                    state.sync();
                } catch (...) {
                }
            state.m_mirror.reset();
            m_resident.reset();
        }
        throw;
    }
    return logits;
}

void Model::runChunk(std::span<const int32_t> tokens, float* logitsOut, bool allLogits)
{
    const int64_t T = int64_t(tokens.size()), C = m_config.nEmbd, perSequence = T / m_feedBatch;
    std::vector<float> host(size_t(T * C));
    for (int64_t t = 0; t < T; ++t)
        std::memcpy(&host[size_t(t * C)], &m_emb[size_t(tokens[size_t(t)]) * size_t(C)], size_t(C) * 4);

    // The carried tensors live in their stage's scratch; at a boundary to another device
    // they travel through the host.
    std::vector<DTensor> carried;
    for (size_t s = 0; s < m_stages.size(); ++s) {
        enterStage(s);
        Device& d = *m_stages[s].device;
        if (s == 0 || m_stages[s - 1].device != &d) {
            std::vector<DTensor> here(static_cast<size_t>(carriedCount()));
            for (DTensor& t : here) t = scratch(T, C);
            if (s == 0) d.upload(here[0], host.data());
            for (size_t j = 0; s > 0 && j < here.size(); ++j) {
                m_stages[s - 1].device->download(host.data(), carried[j]);
                d.upload(here[j], host.data());
            }
            carried = std::move(here);
        }
        forwardLayers(d, carried, m_stages[s].first, m_stages[s].end);
    }
    if (!logitsOut) return;

    // Only the rows whose logits are wanted go through ln_out and the head (spec §4.1): every
    // row, or each sequence's last; the head reads its weights once per block of such rows.
    Device& d = *m_stages.back().device;
    const DTensor& x = carried[0];
    const int64_t wanted = allLogits ? T : m_feedBatch, stride = allLogits ? 1 : perSequence;
    const int64_t offset = allLogits ? 0 : perSequence - 1;
    DTensor normed = scratch(std::min<int64_t>(kHeadRows, wanted), C);
    DTensor logits = scratch(normed.rows, m_config.vocab);
    for (int64_t j = 0; j < wanted; j += kHeadRows) {
        const int64_t n = std::min<int64_t>(kHeadRows, wanted - j);
        DTensor in = normed.rowRange(0, n), out = logits.rowRange(0, n);
        if (stride == 1 || n == 1)
            d.layerNorm(in, x.rowRange(offset + j * stride, n), m_lnOutW, m_lnOutB, 1e-5f);
        else // rows apart: normalised one by one into a block
            for (int64_t q = 0; q < n; ++q)
                d.layerNorm(in.rowRange(q, 1), x.rowRange(offset + (j + q) * stride, 1), m_lnOutW, m_lnOutB, 1e-5f);
        d.matmul(out, in, m_head);
        d.download(logitsOut + size_t(j) * size_t(m_config.vocab), out);
    }
}

} // namespace rwkv
