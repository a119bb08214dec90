#pragma once
// The recurrent state of one sequence: everything the model remembers, fixed size.
//
// Layout (one contiguous fp32 buffer, layer after layer), per layer:
//   [ att_x (C) | ffn_x (C) | wkv ]
//   att_x, ffn_x: LayerNorm outputs (ln1 / ln2) of the last token fed (token shift).
//   wkv, RWKV-5/6/7: H·N·N floats, S[h][value][key] for every generation (the official
//        CUDA-kernel and state-tuning layout; the pip v5/v6 list layout is its transpose).
//   wkv, RWKV-4: aa (C), bb (C), pp (C); zero state has pp = -1e30.
// The zero state is all zeros (RWKV-4: pp = -1e30). The state carries the fingerprint of
// the weights it was computed with, so it is never applied to other weights silently.
//
// A value type. After Model::forward on a device without host memory the true floats may stay
// on that device, and after Model::forwardBatch in the model's batch buffers on any device (a
// StateMirror, so decode moves no state); every accessor that exposes floats, copies or
// serializes first brings them back and detaches (the next forward uploads again).
#include "core/checkpoint.h"
#include "core/model_config.h"
#include "core/state_mirror.h"

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace rwkv {

// The parts of one layer of the state.
enum class StatePart { AttShift, FfnShift, Wkv };

class State {
public:
    State() = default;
    // The zero state for this model.
    State(const ModelConfig& config, const Fingerprint& weights);
    // Copies are independent: they hold the floats on the host.
    State(const State& other);
    State& operator=(const State& other);
    State(State&&) noexcept = default;
    State& operator=(State&&) noexcept = default;

    const ModelConfig& config() const { return m_config; }
    const Fingerprint& weightsFingerprint() const { return m_fingerprint; }

    std::span<float> layer(int i);
    std::span<const float> layer(int i) const;
    std::span<float> attShift(int i) { return part(StatePart::AttShift, i); }
    std::span<float> ffnShift(int i) { return part(StatePart::FfnShift, i); }
    std::span<float> wkv(int i) { return part(StatePart::Wkv, i); }
    std::span<const float> data() const;
    std::span<float> data();
    int64_t sizeBytes() const { return int64_t(m_data.size()) * 4; }
    // Where a part of layer i starts in data(), in floats (no access to the floats).
    size_t offset(StatePart part, int i) const;
    size_t partSize(StatePart part) const;

    // Resets to the zero state.
    void reset();

    // Versioned binary snapshot: header (format, generation, shape, dtype, fingerprint) + floats.
    std::vector<std::byte> serialize() const;
    // Bytes of serialize() for a state of this model.
    static size_t serializedSize(const ModelConfig& config);
    // Throws Error(IncompatibleState) if the snapshot is for another shape or other weights,
    // Error(BadFile) if it is truncated or corrupt.
    static State deserialize(std::span<const std::byte> bytes, const ModelConfig& config, const Fingerprint& weights);

private:
    friend class Model; // reads and writes the floats in place, without sync(), while running
    std::span<float> part(StatePart part, int i);
    // Brings the floats home from a mirror, if attached, and detaches it.
    void sync() const;

    ModelConfig m_config;
    Fingerprint m_fingerprint{};
    mutable std::vector<float> m_data;
    mutable std::shared_ptr<StateMirror> m_mirror;
};

} // namespace rwkv
