#pragma once
// Constructors of the per-generation models; only core/model.cpp calls them.
#include "core/model.h"

namespace rwkv {

std::unique_ptr<Model> makeX040(const Checkpoint& checkpoint, std::span<const StagePlan> stages,
                                const ModelConfig& config, const ProgressFn& progress);
std::unique_ptr<Model> makeX052(const Checkpoint& checkpoint, std::span<const StagePlan> stages,
                                const ModelConfig& config, const ProgressFn& progress);
std::unique_ptr<Model> makeX060(const Checkpoint& checkpoint, std::span<const StagePlan> stages,
                                const ModelConfig& config, const ProgressFn& progress);
std::unique_ptr<Model> makeX070(const Checkpoint& checkpoint, std::span<const StagePlan> stages,
                                const ModelConfig& config, const ProgressFn& progress);

} // namespace rwkv
