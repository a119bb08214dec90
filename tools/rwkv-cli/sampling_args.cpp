#include "tools/rwkv-cli/sampling_args.h"

#include "core/error.h"

#include <string>

namespace rwkv::cli {

SamplingParams parseSampling(Args& args, SamplingParams p)
{
    p.temperature = args.floatValue("temperature", p.temperature);
    p.topP = args.floatValue("top-p", p.topP);
    p.topK = args.intValue("top-k", p.topK);
    p.presencePenalty = args.floatValue("presence-penalty", p.presencePenalty);
    p.frequencyPenalty = args.floatValue("frequency-penalty", p.frequencyPenalty);
    p.penaltyDecay = args.floatValue("penalty-decay", p.penaltyDecay);
    if (const auto seed = args.value("seed")) {
        try {
            p.seed = std::stoull(*seed);
        } catch (const std::exception&) {
            throw Error(ErrorCode::InvalidArgument, "option --seed expects a non-negative integer, got '" + *seed + "'");
        }
    }
    for (const std::string& ban : args.values("ban")) p.bannedTokens.push_back(std::stoi(ban));
    if (p.temperature < 0) throw Error(ErrorCode::InvalidArgument, "--temperature must be ≥ 0");
    if (p.topP < 0) throw Error(ErrorCode::InvalidArgument, "--top-p must be ≥ 0");
    if (p.topK < 0) throw Error(ErrorCode::InvalidArgument, "--top-k must be ≥ 0");
    return p;
}

SamplingParams chatSamplingDefaults(bool tunedState)
{
    SamplingParams p;
    p.topP = tunedState ? 0.2f : 0.3f;
    p.presencePenalty = tunedState ? 0.3f : 0.5f;
    p.frequencyPenalty = tunedState ? 0.3f : 0.5f;
    p.bannedTokens = {0};
    return p;
}

} // namespace rwkv::cli
