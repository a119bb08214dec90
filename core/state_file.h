#pragma once
// State-tuning files (RWKV-PEFT "state tuning", rwkv-spec §8): one tensor
// blocks.{i}.att.time_state (H, N, N) per layer, [value][key], used as the WKV part of the
// initial state (token-shift vectors zero). Also found merged into model checkpoints.
#include "core/checkpoint.h"
#include "core/model_config.h"
#include "core/state.h"

#include <filesystem>
#include <optional>

namespace rwkv {

// Loads a state file for the model with this config and weights fingerprint. Throws
// Error(IncompatibleState) when it was tuned for another shape, Error(Unsupported) for
// RWKV-4 (no state tuning), Error(BadFile) when the file is not a state file.
State loadStateFile(const std::filesystem::path& path, const ModelConfig& config, const Fingerprint& weights);

// The tuned initial state merged into a model checkpoint, if it carries time_state tensors.
std::optional<State> mergedTunedState(const Checkpoint& checkpoint, const ModelConfig& config,
                                      const Fingerprint& weights);

} // namespace rwkv
