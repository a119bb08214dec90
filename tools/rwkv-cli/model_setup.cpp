#include "tools/rwkv-cli/model_setup.h"

#include "backends/registry.h"
#include "core/error.h"
#include "core/paths.h"
#include "core/state_file.h"
#include "core/tokenizer/world_tokenizer.h"

#include <chrono>

namespace rwkv::cli {

LoadedModel loadModel(Args& args)
{
    LoadedModel m;
    m.path = args.value("model").value_or(defaultModelPath().string());
    const auto strategyText = args.value("strategy");
    const auto deviceId = args.value("device");
    if (strategyText && deviceId) throw Error(ErrorCode::InvalidArgument, "give either --strategy or --device, not both");
    m.strategy = strategyText ? parseStrategy(*strategyText) : strategyForDevice(deviceId.value_or("cpu"));
    if (m.strategy.stages.size() != 1)
        throw Error(ErrorCode::Unsupported, "strategy '" + m.strategy.text()
                                                + "': splitting layers across devices needs the GPU backends, which this build does not have");
    const int threads = args.intValue("threads", 0);
    if (threads < 0) throw Error(ErrorCode::InvalidArgument, "--threads must be ≥ 0");
    const std::string tokenizerChoice = args.value("tokenizer").value_or("auto");

    const auto t0 = std::chrono::steady_clock::now();
    m.device = createDevice(m.strategy.stages[0].device, threads);
    {
        const Checkpoint checkpoint = Checkpoint::open(m.path);
        m.model = Model::load(checkpoint, *m.device, m.strategy.stages[0].precision);
    }
    m.loadSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    const bool worldVocab = m.model->config().vocab == 65536;
    if (tokenizerChoice == "world" || (tokenizerChoice == "auto" && worldVocab))
        m.tokenizer = WorldTokenizer::load(worldVocabPath());
    else if (tokenizerChoice != "auto" && tokenizerChoice != "none")
        throw Error(ErrorCode::InvalidArgument, "unknown tokenizer '" + tokenizerChoice + "' (world, none)");
    return m;
}

State initialState(const LoadedModel& m, const std::optional<std::string>& stateFile)
{
    if (!stateFile) return m.model->newState();
    return loadStateFile(*stateFile, m.model->config(), m.model->fingerprint());
}

const Tokenizer& requireTokenizer(const LoadedModel& m)
{
    if (!m.tokenizer)
        throw Error(ErrorCode::Unsupported, "no tokenizer is known for vocabulary size " + std::to_string(m.model->config().vocab)
                                                + "; give token ids with --tokens");
    return *m.tokenizer;
}

} // namespace rwkv::cli
