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
#include "core/checkpoint.h"
#include "core/model_config.h"

#include <cstdint>
#include <span>
#include <vector>

namespace rwkv {

class State {
public:
    State() = default;
    // The zero state for this model.
    State(const ModelConfig& config, const Fingerprint& weights);

    const ModelConfig& config() const { return m_config; }
    const Fingerprint& weightsFingerprint() const { return m_fingerprint; }

    std::span<float> layer(int i);
    std::span<const float> layer(int i) const;
    std::span<float> attShift(int i) { return layer(i).subspan(0, m_config.nEmbd); }
    std::span<float> ffnShift(int i) { return layer(i).subspan(m_config.nEmbd, m_config.nEmbd); }
    std::span<float> wkv(int i) { return layer(i).subspan(2 * size_t(m_config.nEmbd)); }
    std::span<const float> data() const { return m_data; }
    std::span<float> data() { return m_data; }
    int64_t sizeBytes() const { return int64_t(m_data.size()) * 4; }

    // Resets to the zero state.
    void reset();

    // Versioned binary snapshot: header (format, generation, shape, dtype, fingerprint) + floats.
    std::vector<std::byte> serialize() const;
    // Throws Error(IncompatibleState) if the snapshot is for another shape or other weights,
    // Error(BadFile) if it is truncated or corrupt.
    static State deserialize(std::span<const std::byte> bytes, const ModelConfig& config, const Fingerprint& weights);

private:
    ModelConfig m_config;
    Fingerprint m_fingerprint{};
    std::vector<float> m_data;
};

} // namespace rwkv
