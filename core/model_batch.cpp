// The batched step (Model::forwardBatch): B States advanced together, so each weight matrix is
// read once for all of them. The layers run unchanged on B·T rows; only the recurrent kernels
// see the batch, through state tensors that hold the B States' parts one after another.
#include "core/model.h"

#include "core/error.h"

#include <algorithm>
#include <cstring>

namespace rwkv {

// Each stage's batch buffer holds its layers in the State layout with every part widened B
// times: layer i's part p of State b sits at B·(offset of p in the stage) + b·(size of p). For
// B = 1 that is the State's own layout. Coming back, every stage is read before any State is
// written, so a failed read leaves the States as they were.
void Model::moveBatch(std::span<State* const> states, bool toDevice)
{
    const size_t B = states.size(), perLayer = size_t(m_config.stateFloatsPerLayer());
    std::vector<std::vector<float>> staging(m_stages.size());
    std::vector<float*> bases(m_stages.size());
    for (size_t k = 0; k < m_stages.size(); ++k) {
        Stage& s = m_stages[k];
        const size_t floats = B * size_t(s.end - s.first) * perLayer;
        if (toDevice && (!s.batchBuffer || s.batchBuffer->size() < floats * 4))
            s.batchBuffer = s.device->allocate(floats * 4);
        bases[k] = static_cast<float*>(s.batchBuffer->data());
        if (s.device->hostMemory()) continue;
        staging[k].resize(floats);
        bases[k] = staging[k].data();
        if (!toDevice) s.device->download(bases[k], DTensor{s.batchBuffer->data(), DType::F32, 1, int64_t(floats)});
    }
    for (size_t k = 0; k < m_stages.size(); ++k) {
        const Stage& s = m_stages[k];
        for (int i = s.first; i < s.end; ++i)
            for (StatePart part : {StatePart::AttShift, StatePart::FfnShift, StatePart::Wkv}) {
                const size_t at = m_initialState.offset(part, i), size = m_initialState.partSize(part);
                float* batch = bases[k] + B * (at - size_t(s.first) * perLayer);
                for (size_t b = 0; b < B; ++b) {
                    float* own = states[b]->m_data.data() + at;
                    if (toDevice) std::memcpy(batch + b * size, own, size * 4);
                    else std::memcpy(own, batch + b * size, size * 4);
                }
            }
        if (toDevice && !staging[k].empty())
            s.device->upload(DTensor{s.batchBuffer->data(), DType::F32, 1, int64_t(staging[k].size())}, bases[k]);
    }
}

std::vector<float> Model::forwardBatch(std::span<const int32_t> tokens, std::span<State* const> states)
{
    const size_t B = states.size();
    if (B == 0 || B > size_t(kMaxBatch))
        throw Error(ErrorCode::InvalidArgument, "a batched step takes 1 to " + std::to_string(kMaxBatch) + " states, not "
                                                    + std::to_string(B));
    if (tokens.empty() || tokens.size() % B != 0)
        throw Error(ErrorCode::InvalidArgument, "a batched step needs the same number (at least one) of tokens for each of its "
                                                    + std::to_string(B) + " states, got " + std::to_string(tokens.size()));
    const size_t T = tokens.size() / B;
    for (size_t b = 0; b < B; ++b) {
        if (!states[b]) throw Error(ErrorCode::InvalidArgument, "a batched step got no state at " + std::to_string(b));
        checkInput(tokens.subspan(b * T, T), *states[b]);
        if (std::find(states.begin(), states.begin() + ptrdiff_t(b), states[b]) != states.begin() + ptrdiff_t(b))
            throw Error(ErrorCode::InvalidArgument, "a batched step got the same state twice");
    }
    if (B == 1) return forward(tokens, *states[0]); // the single-stream path, untouched

    // Every State comes home first: one resident on another model before taking this model's
    // lock (one lock at a time, as in forward), one resident here under it.
    for (State* s : states)
        if (s->m_mirror && !s->m_mirror->usesLock(m_stateLock.get())) s->sync();
    const std::lock_guard guard(*m_stateLock);
    for (State* s : states) s->sync();

    // Chunks of up to kMaxChunkTokens rows: each sequence's next `step` tokens side by side.
    const size_t V = size_t(m_config.vocab), step = std::max<size_t>(1, size_t(kMaxChunkTokens) / B);
    std::vector<float> logits(B * V);
    std::vector<int32_t> chunk;
    moveBatch(states, true);
    m_feeding = nullptr; // forward() sets both again for its single State
    m_feedBatch = int64_t(B);
    for (size_t first = 0; first < T; first += step) {
        const size_t n = std::min(step, T - first);
        chunk.clear();
        for (size_t b = 0; b < B; ++b)
            chunk.insert(chunk.end(), tokens.begin() + ptrdiff_t(b * T + first), tokens.begin() + ptrdiff_t(b * T + first + n));
        runChunk(chunk, first + n == T ? logits.data() : nullptr, false);
    }
    moveBatch(states, false); // the States' floats change only here, all at once
    return logits;
}

} // namespace rwkv
