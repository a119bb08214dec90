#pragma once
// SamplingParams as a JSON object (stored per conversation):
// {"temperature", "top_p", "top_k", "presence_penalty", "frequency_penalty", "penalty_decay",
//  "banned_tokens", "seed"}; absent keys keep the given defaults.
#include "core/sampler.h"

#include <string>
#include <string_view>

namespace rwkv {

std::string samplingToJson(const SamplingParams& params);
// Throws Error(BadFile) for text that is not such an object.
SamplingParams samplingFromJson(std::string_view json, SamplingParams defaults = {});

} // namespace rwkv
