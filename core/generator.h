#pragma once
// The generation loop shared by the CLI and the app: prefill a prompt, then sample, stream
// text and feed each token back, until a limit, a stop string, a stop token or a cancel.
#include "core/fair_mutex.h"
#include "core/model.h"
#include "core/sampler.h"
#include "core/tokenizer/tokenizer.h"

#include <functional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

namespace rwkv {

enum class StopReason { MaxTokens, StopString, StopToken, Cancelled };

struct GenerationOptions {
    int maxTokens = 128;
    SamplingParams sampling;
    std::vector<std::string> stopStrings;   // text is cut before the first match
    std::vector<int32_t> stopTokens;        // not emitted, not fed
    // PIPELINE.generate does not count whitespace/digit tokens towards the frequency
    // penalty; the official chat loop does. True = PIPELINE behaviour.
    bool exemptWhitespaceDigits = true;
    // Chat replies: the text (streamed and returned) leaves out the one space the model puts
    // after "Assistant:"; its token stays in the state and in GenerationResult::tokens.
    bool dropLeadingSpace = false;
};

struct GenerationResult {
    std::vector<int32_t> tokens;   // every sampled token that was emitted and fed
    std::string text;              // the streamed text (valid UTF-8, cut at a stop string)
    StopReason reason = StopReason::MaxTokens;
    int prefillTokens = 0;
    int64_t prefillNs = 0;
    int decodeTokens = 0;          // single-token forward calls
    int64_t decodeNs = 0;

    double prefillTokensPerSecond() const { return prefillNs ? prefillTokens * 1e9 / double(prefillNs) : 0.0; }
    double decodeTokensPerSecond() const { return decodeNs ? decodeTokens * 1e9 / double(decodeNs) : 0.0; }
};

// Feeds `tokens` into `state` and returns the logits after the last one. With a modelLock
// (shared by every thread using the model) the lock is held per chunk of kMaxChunkTokens, so
// a long prompt does not stall other generations; a cancel between chunks returns {} with
// the state advanced only partly.
std::vector<float> prefill(Model& model, std::span<const int32_t> tokens, State& state, FairMutex* modelLock = nullptr,
                           std::stop_token cancel = {});

// Feeds `prompt` (non-empty) into `state`, then generates. The state afterwards holds the
// prompt and every emitted token. onText receives text as soon as it is complete UTF-8 and
// cannot be part of a stop string. tokenizer may be null (then no text and no stop strings).
// modelLock: see prefill(); each decoded token takes it once.
GenerationResult generate(Model& model, const Tokenizer* tokenizer, std::span<const int32_t> prompt, State& state,
                          const GenerationOptions& options, const std::function<void(std::string_view)>& onText = {},
                          std::stop_token cancel = {}, FairMutex* modelLock = nullptr);

} // namespace rwkv
