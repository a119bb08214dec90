#include "core/generation_checks.h"

#include "core/error.h"
#include "core/prompt_format.h"
#include "core/tokenizer/utf8_stream_decoder.h"

#include <cstdio>

namespace rwkv {

namespace {

std::string number(double x)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.10g", x);
    return text;
}

bool outside(double x, double min, double max) { return !(x >= min && x <= max); }

std::optional<SettingProblem> range(const char* setting, double x, double min, double max)
{
    if (!outside(x, min, max)) return std::nullopt;
    return SettingProblem{setting, "must be between " + number(min) + " and " + number(max)};
}

} // namespace

std::optional<SettingProblem> checkGenerationOptions(const GenerationOptions& options, int maxTokens)
{
    const SamplingParams& s = options.sampling;
    for (auto problem : {range("max_tokens", options.maxTokens, 0, maxTokens), range("temperature", s.temperature, 0, 2),
                         range("top_p", s.topP, 0, 1), range("top_k", s.topK, 0, 1 << 30),
                         range("presence_penalty", s.presencePenalty, -2, 2),
                         range("frequency_penalty", s.frequencyPenalty, -2, 2), range("penalty_decay", s.penaltyDecay, 0, 1)})
        if (problem) return problem;
    return std::nullopt;
}

std::optional<SettingProblem> checkPromptText(std::string_view text, std::string_view setting, bool chatMessage)
{
    if (!isValidUtf8(text)) return SettingProblem{std::string(setting), "is not valid UTF-8 text"};
    if (text.empty() || (chatMessage && cleanUserText(text).empty()))
        return SettingProblem{std::string(setting), "must not be empty"};
    return std::nullopt;
}

void throwIfProblem(const std::optional<SettingProblem>& problem)
{
    if (problem) throw Error(ErrorCode::InvalidArgument, problem->setting + " " + problem->requirement);
}

} // namespace rwkv
