#pragma once
// Sampling options shared by generate, chat, state load and doc ask:
// --temperature --top-p --top-k --presence-penalty --frequency-penalty --penalty-decay --seed --ban.
#include "core/generator.h"
#include "core/sampler.h"
#include "tools/rwkv-cli/args.h"

#include <string_view>

namespace rwkv::cli {

// `defaults` overridden by the options given; throws Error(InvalidArgument) for values that
// are not numbers (ranges: requireValidOptions).
SamplingParams parseSampling(Args& args, SamplingParams defaults);

// Throws Error(InvalidArgument) "--top-p must be between 0 and 1" for a setting out of the
// range every front end allows (checkGenerationOptions).
void requireValidOptions(const GenerationOptions& options);
// Throws Error(InvalidArgument) "NAME must not be empty" / "is not valid UTF-8 text" (checkPromptText).
void requireValidPrompt(std::string_view text, std::string_view name, bool chatMessage);

// The official chat loop's settings (rwkv-spec §7.3): never end the text (token 0 banned),
// penalties against repetition; more conservative with a tuned state (tunedState).
SamplingParams chatSamplingDefaults(bool tunedState);

} // namespace rwkv::cli
