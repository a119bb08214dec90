// rwkv-cli logits: the raw model output, for parity checks from outside.
#include "core/error.h"
#include "tools/rwkv-cli/commands.h"
#include "tools/rwkv-cli/model_setup.h"
#include "tools/rwkv-cli/sampling_args.h"

#include <nlohmann/json.hpp>

#include <iostream>
#include <numeric>

namespace rwkv::cli {

int runLogits(Args& args)
{
    const auto tokens = args.intList("tokens");
    const auto prompt = args.value("prompt");
    auto chunkSizes = args.intList("chunk-sizes");
    args.flag("json"); // JSON is the only output format
    if (tokens.has_value() == prompt.has_value())
        throw Error(ErrorCode::InvalidArgument, "give exactly one of --tokens CSV or --prompt TEXT");
    if (prompt) requireValidPrompt(*prompt, "--prompt", false);
    LoadedModel m = loadModel(args);
    args.finish();

    const std::vector<int32_t> ids = tokens ? *tokens : requireTokenizer(m).encode(*prompt);
    if (ids.empty()) throw Error(ErrorCode::InvalidArgument, "no tokens to feed");
    if (!chunkSizes) chunkSizes = std::vector<int32_t>{int32_t(ids.size())};
    for (int32_t n : *chunkSizes)
        if (n <= 0) throw Error(ErrorCode::InvalidArgument, "--chunk-sizes must be positive");
    if (std::accumulate(chunkSizes->begin(), chunkSizes->end(), int64_t(0)) != int64_t(ids.size()))
        throw Error(ErrorCode::InvalidArgument, "--chunk-sizes must add up to the number of tokens ("
                                                    + std::to_string(ids.size()) + ")");

    State state = m.model->newState();
    std::vector<float> logits;
    size_t pos = 0;
    for (int32_t n : *chunkSizes) {
        logits = m.model->forward(std::span(ids).subspan(pos, size_t(n)), state);
        pos += size_t(n);
    }
    const nlohmann::json j = {{"tokens", ids}, {"chunk_sizes", *chunkSizes}, {"strategy", m.strategy.text()},
                              {"logits", logits}};
    std::cout << j.dump() << "\n";
    return 0;
}

} // namespace rwkv::cli
