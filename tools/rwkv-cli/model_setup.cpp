#include "tools/rwkv-cli/model_setup.h"

#include "backends/automatic_strategy.h"
#include "backends/cpu/cpu_device.h"
#include "backends/registry.h"
#include "backends/strategy_devices.h"
#include "core/error.h"
#include "core/paths.h"
#include "core/state_file.h"
#include "core/tokenizer/tokenizer_factory.h"
#include "core/utf8_path.h"
#include "tools/rwkv-cli/console.h"
#include "tools/rwkv-cli/progress_line.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace rwkv::cli {

ModelOptions readModelOptions(Args& args)
{
    ModelOptions o;
    const auto model = args.value("model");
    o.path = model ? pathFromUtf8(*model) : defaultModelPath();
    const auto strategyText = args.value("strategy");
    const auto deviceId = args.value("device");
    if (strategyText && deviceId) throw Error(ErrorCode::InvalidArgument, "give either --strategy or --device, not both");
    o.automatic = strategyText == "auto" || deviceId == "auto";
    if (!o.automatic) o.strategy = strategyText ? parseStrategy(*strategyText) : strategyForDevice(deviceId.value_or("cpu"));
    o.threads = args.intValue("threads", 0);
    if (o.threads < 0) throw Error(ErrorCode::InvalidArgument, "--threads must be ≥ 0");
    if (o.threads > cpu::hardwareThreads())
        std::fprintf(stderr, "rwkv-cli: --threads %d is more than this machine's %d hardware threads; using %d\n", o.threads,
                     cpu::hardwareThreads(), cpu::hardwareThreads());
    o.tokenizer = args.value("tokenizer").value_or("auto");
    if (o.tokenizer != "auto" && o.tokenizer != "none" && o.tokenizer != "world" && o.tokenizer != "neox")
        throw Error(ErrorCode::InvalidArgument, "unknown tokenizer '" + o.tokenizer + "' (world, neox, none)");
    return o;
}

LoadedModel loadModel(Args& args)
{
    return loadModel(readModelOptions(args));
}

LoadedModel loadModel(const ModelOptions& options)
{
    LoadedModel m;
    m.path = options.path;
    m.strategy = options.strategy;
    const int threads = options.threads;
    const std::string& tokenizerChoice = options.tokenizer;

    const auto t0 = std::chrono::steady_clock::now();
    {
        // Reading the file is the first half of the progress, converting layers the second.
        ProgressLine progress(stderr);
        const std::string name = pathToUtf8(m.path.filename());
        auto report = [&](double fraction) {
            char text[16];
            std::snprintf(text, sizeof text, "%3d%%", int(fraction * 100));
            progress.show("loading " + name + ": " + text);
        };
        if (!options.automatic) m.devices = createStrategyDevices(m.strategy, threads);
        const Checkpoint checkpoint =
            Checkpoint::open(m.path, [&](uint64_t done, uint64_t total) { report(0.5 * double(done) / double(std::max<uint64_t>(total, 1))); });
        if (options.automatic) {
            const AutomaticPick pick = pickAutomaticStrategy(checkpoint, threads, defaultStrategyChoicesFile(),
                                                             [&](const std::string& what) { progress.show(what); });
            progress.clear();
            std::fprintf(stderr, "rwkv-cli: automatic strategy \"%s\": %s\n", pick.strategy.text().c_str(), pick.reason.c_str());
            m.strategy = pick.strategy;
            m.devices = createStrategyDevices(m.strategy, threads);
        }
        m.model = Model::load(checkpoint, m.devices.stages,
                              [&](uint64_t done, uint64_t total) { report(0.5 + 0.5 * double(done) / double(total)); });
        progress.clear();
    }
    m.loadSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    if (tokenizerChoice == "auto")
        m.tokenizer = tokenizerForVocab(m.model->config().vocab, vocabDir());
    else if (tokenizerChoice != "none")
        m.tokenizer = loadTokenizer(tokenizerChoice, vocabDir());
    if (m.tokenizer && m.tokenizer->vocabSize() > size_t(m.model->config().vocab))
        throw Error(ErrorCode::InvalidArgument, "the " + std::string(m.tokenizer->name()) + " tokenizer has more ids than the model's vocabulary ("
                                                    + std::to_string(m.model->config().vocab) + ")");
    return m;
}

void noteDemoModel(const LoadedModel& m)
{
    std::error_code ec;
    if (std::filesystem::equivalent(m.path, defaultModelPath(), ec))
        std::fprintf(stderr, "rwkv-cli: this is the bundled demo model, a tiny toy for trying things out; real RWKV "
                             "models are at https://huggingface.co/BlinkDL (use one with --model F)\n");
}

State initialState(const LoadedModel& m, const std::optional<std::string>& stateFile)
{
    if (!stateFile) return m.model->newState();
    return loadStateFile(pathFromUtf8(*stateFile), m.model->config(), m.model->fingerprint());
}

std::optional<std::string> cpuKernelSummary(const LoadedModel& m)
{
    for (const auto& device : m.devices.devices)
        if (dynamic_cast<const cpu::CpuDevice*>(device.get())) return cpu::CpuDevice::kernelSummary();
    return std::nullopt;
}

const Tokenizer& requireTokenizer(const LoadedModel& m)
{
    if (!m.tokenizer)
        throw Error(ErrorCode::Unsupported, "no tokenizer is known for vocabulary size " + std::to_string(m.model->config().vocab)
                                                + "; give token ids with --tokens");
    return *m.tokenizer;
}

} // namespace rwkv::cli
