#pragma once
// The device grammar shared by CLI and app (design.md "Devices and strategies"):
//   strategy := stage ("->" stage)*      stage := device[:N] precision [*layers]
// e.g. "cuda fp16 *10 -> cpu fp32". A stage without *layers takes the remaining layers.
#include "core/dtype.h"

#include <span>
#include <string>
#include <utility>
#include <string_view>
#include <vector>

namespace rwkv {

struct StrategyStage {
    std::string device;      // "cpu", "cuda:0", "vulkan:1"
    DType precision = DType::F32;
    int layers = -1;         // -1: all remaining layers
};

struct Strategy {
    std::vector<StrategyStage> stages;
    // Canonical text, e.g. "cpu fp32".
    std::string text() const;
};

// The precisions a stage can name, widest first: those `info` and the app estimate.
inline constexpr const char* kPrecisionNames[] = {"fp32", "bf16", "fp16", "int8", "q4"};
// One of kPrecisionNames → the weight type; throws Error(InvalidArgument) otherwise.
DType parsePrecision(std::string_view name);
// Throws Error(InvalidArgument) naming the offending part.
Strategy parseStrategy(std::string_view text);
// Layers [first, end) of each stage given the stages' layer counts in order (-1: the rest);
// throws Error(InvalidArgument) unless they cover all nLayer layers exactly once.
std::vector<std::pair<int, int>> stageLayerRanges(std::span<const int> stageLayers, int nLayer);
// `--device ID` shorthand: the whole model on one device at its default precision
// (cpu fp32, GPUs fp16).
Strategy strategyForDevice(std::string_view deviceId);

} // namespace rwkv
