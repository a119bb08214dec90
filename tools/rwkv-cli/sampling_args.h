#pragma once
// Sampling options shared by generate, chat, state load and doc ask:
// --temperature --top-p --top-k --presence-penalty --frequency-penalty --penalty-decay --seed --ban.
#include "core/sampler.h"
#include "tools/rwkv-cli/args.h"

namespace rwkv::cli {

// `defaults` overridden by the options given; throws Error(InvalidArgument) for bad values.
SamplingParams parseSampling(Args& args, SamplingParams defaults);

// The official chat loop's settings (rwkv-spec §7.3): never end the text (token 0 banned),
// penalties against repetition; more conservative with a tuned state (tunedState).
SamplingParams chatSamplingDefaults(bool tunedState);

} // namespace rwkv::cli
