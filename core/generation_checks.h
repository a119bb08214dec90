#pragma once
// The allowed ranges of the generation and sampling settings and what a prompt must be,
// checked the same way by rwkv-cli, the app and the API server. Each front end names the
// setting its own way (--top-p, 'top_p') around the shared requirement text.
#include "core/generator.h"

#include <optional>
#include <string>
#include <string_view>

namespace rwkv {

// The longest reply any front end asks for.
constexpr int kMaxReplyTokens = 65536;

// A setting out of range: its snake_case name ("top_p") and what it must be
// ("must be between 0 and 1").
struct SettingProblem {
    std::string setting;
    std::string requirement;
};

// The first setting of `options` out of range: max_tokens 0…maxTokens, temperature 0…2,
// top_p 0…1, top_k 0…2^30, presence_penalty and frequency_penalty -2…2, penalty_decay 0…1
// (OpenAI's ranges, with RWKV's extensions). NaN is out of every range.
std::optional<SettingProblem> checkGenerationOptions(const GenerationOptions& options, int maxTokens = kMaxReplyTokens);

// A prompt or chat message named `setting`: valid UTF-8 and not empty; a chatMessage must
// keep some text after cleanUserText (whitespace alone is empty).
std::optional<SettingProblem> checkPromptText(std::string_view text, std::string_view setting, bool chatMessage);

// Throws Error(InvalidArgument) "SETTING REQUIREMENT" when there is a problem.
void throwIfProblem(const std::optional<SettingProblem>& problem);

} // namespace rwkv
