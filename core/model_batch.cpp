// The batched step (Model::forwardBatch): B States advanced together, so each weight matrix is
// read once for all of them. The layers run unchanged on B·T rows; only the recurrent kernels
// see the batch, through state tensors that hold the B States' parts one after another.
#include "core/model.h"

#include "core/error.h"

#include <algorithm>
#include <cstring>

namespace rwkv {

// Each stage's batch buffer holds its layers in the State layout with every part widened B
// times: layer i's part p of slot b sits at B·(offset of p in the stage) + b·(size of p). So a
// slot is 3 runs per layer, and for B = 1 the layout is the State's own.
void Model::copySlot(size_t b, size_t B, float* state, bool toBatch)
{
    const size_t perLayer = size_t(m_config.stateFloatsPerLayer());
    for (const Stage& s : m_stages)
        for (int i = s.first; i < s.end; ++i)
            for (StatePart part : {StatePart::AttShift, StatePart::FfnShift, StatePart::Wkv}) {
                const size_t at = m_initialState.offset(part, i), size = m_initialState.partSize(part);
                float* slot = static_cast<float*>(s.batchBuffer->data()) + B * (at - size_t(s.first) * perLayer) + b * size;
                const DTensor run{slot, DType::F32, 1, int64_t(size)};
                if (s.device->hostMemory()) std::memcpy(toBatch ? slot : state + at, toBatch ? state + at : slot, size * 4);
                else if (toBatch) s.device->upload(run, state + at);
                else s.device->download(state + at, run);
            }
    ++(toBatch ? m_transfers.batchIn : m_transfers.batchOut);
}

// Slots whose State is already there are kept; every other State is brought home first (it may
// sit in another slot, which must be read before any slot is written), the States leaving the
// batch are flushed to their mirrors, and only then are the new ones copied in.
void Model::joinBatch(std::span<State* const> states, std::vector<char>& kept)
{
    const size_t B = states.size(), perLayer = size_t(m_config.stateFloatsPerLayer());
    const bool sameSlots = m_batchSlots.size() == B;
    for (size_t b = 0; b < B; ++b) {
        kept[b] = sameSlots && m_batchSlots[b] && states[b]->m_mirror == m_batchSlots[b];
        if (!kept[b]) states[b]->sync();
    }
    for (size_t b = 0; b < m_batchSlots.size(); ++b)
        if (!(sameSlots && kept[b]) && m_batchSlots[b] && m_batchSlots[b].use_count() > 1) m_batchSlots[b]->flush();
    if (!sameSlots) {
        m_batchSlots.assign(B, nullptr);
        for (Stage& s : m_stages) {
            const size_t bytes = B * size_t(s.end - s.first) * perLayer * 4;
            if (!s.batchBuffer || s.batchBuffer->size() < bytes) {
                s.batchBuffer.reset(); // the old one first: both may not fit
                s.batchBuffer = s.device->allocate(bytes);
            }
        }
    }
    const std::vector<StateMirror::Range> whole{{0, perLayer * size_t(m_config.nLayer)}};
    for (size_t b = 0; b < B; ++b) {
        if (kept[b]) continue;
        m_batchSlots[b].reset();
        copySlot(b, B, states[b]->m_data.data(), true);
        m_batchSlots[b] = std::make_shared<StateMirror>(whole, [this, b, B](float* out) { copySlot(b, B, out, false); },
                                                        m_stateLock);
        states[b]->m_mirror = m_batchSlots[b];
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

    // A State resident on another model comes home before taking this model's lock (one lock
    // at a time, as in forward).
    for (State* s : states)
        if (s->m_mirror && !s->m_mirror->usesLock(m_stateLock.get())) s->sync();
    const std::lock_guard guard(*m_stateLock);
    std::vector<char> kept(B);
    joinBatch(states, kept);

    // Chunks of up to kMaxChunkTokens rows: each sequence's next `step` tokens side by side.
    const size_t V = size_t(m_config.vocab), step = std::max<size_t>(1, size_t(kMaxChunkTokens) / B);
    std::vector<float> logits(B * V);
    std::vector<int32_t> chunk;
    m_feeding = nullptr; // forward() sets both again for its single State
    m_feedBatch = int64_t(B);
    try {
        for (size_t first = 0; first < T; first += step) {
            const size_t n = std::min(step, T - first);
            chunk.clear();
            for (size_t b = 0; b < B; ++b)
                chunk.insert(chunk.end(), tokens.begin() + ptrdiff_t(b * T + first), tokens.begin() + ptrdiff_t(b * T + first + n));
            runChunk(chunk, first + n == T ? logits.data() : nullptr, false);
        }
    } catch (...) {
        // Newcomers still hold their floats from before; the others get what the buffers hold.
        for (size_t b = 0; b < B; ++b) {
            if (kept[b]) try {
                    states[b]->sync();
                } catch (...) {
                }
            states[b]->m_mirror.reset();
        }
        m_batchSlots.clear();
        throw;
    }
    return logits;
}

} // namespace rwkv
