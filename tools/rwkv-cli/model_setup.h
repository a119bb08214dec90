#pragma once
// Loads the model named by the common options: --model F (default: the bundled demo model),
// --strategy S or --device ID (either may be "auto"), --threads N, --tokenizer world|none.
#include "backends/strategy_devices.h"
#include "core/checkpoint.h"
#include "core/model.h"
#include "core/strategy.h"
#include "core/tokenizer/tokenizer.h"
#include "tools/rwkv-cli/args.h"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace rwkv::cli {

struct LoadedModel {
    std::filesystem::path path;
    Strategy strategy;
    StrategyDevices devices;
    std::unique_ptr<Model> model;
    std::unique_ptr<Tokenizer> tokenizer; // null when the vocabulary has no known tokenizer
    double loadSeconds = 0;
};

// The common model options, read and checked without loading anything.
struct ModelOptions {
    std::filesystem::path path;
    Strategy strategy;      // empty when automatic
    bool automatic = false; // --strategy auto / --device auto: picked at load (backends/automatic_strategy.h)
    int threads = 0;
    std::string tokenizer; // auto | none | world | neox
};
ModelOptions readModelOptions(Args& args);

LoadedModel loadModel(const ModelOptions& options);
// loadModel(readModelOptions(args)).
LoadedModel loadModel(Args& args);

// One line on stderr when `m` is the bundled demo model: it is a toy, and where real models are.
void noteDemoModel(const LoadedModel& m);

// The model's initial state, or the state-tuning file's when stateFile is given (--state).
State initialState(const LoadedModel& m, const std::optional<std::string>& stateFile);

// CpuDevice::kernelSummary() when the model runs any layer on the CPU, else nullopt
// (`info` and `bench` print it).
std::optional<std::string> cpuKernelSummary(const LoadedModel& m);

// The tokenizer or an Error(Unsupported) saying this model takes token ids only.
const Tokenizer& requireTokenizer(const LoadedModel& m);

} // namespace rwkv::cli
