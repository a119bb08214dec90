#include "tools/rwkv-cli/sampling_args.h"

#include "core/error.h"
#include "core/generation_checks.h"

#include <algorithm>
#include <charconv>
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
    for (const std::string& ban : args.values("ban")) {
        int32_t id = 0;
        const auto [end, ec] = std::from_chars(ban.data(), ban.data() + ban.size(), id);
        if (ec != std::errc() || end != ban.data() + ban.size() || id < 0)
            throw Error(ErrorCode::InvalidArgument, "option --ban expects a token id, got '" + ban + "'");
        p.bannedTokens.push_back(id);
    }
    return p;
}

void requireValidOptions(const GenerationOptions& options)
{
    if (const auto problem = checkGenerationOptions(options)) {
        std::string option = "--" + problem->setting;
        std::replace(option.begin(), option.end(), '_', '-');
        throw Error(ErrorCode::InvalidArgument, option + " " + problem->requirement);
    }
}

void requireValidPrompt(std::string_view text, std::string_view name, bool chatMessage)
{
    throwIfProblem(checkPromptText(text, name, chatMessage));
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
