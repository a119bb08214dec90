#include "core/generator.h"

#include "core/error.h"
#include "core/generation_checks.h"
#include "core/monotonic_clock.h"
#include "core/reply_stream.h"

#include <algorithm>
#include <limits>

namespace rwkv {

namespace {

std::vector<float> forwardLocked(Model& model, std::span<const int32_t> tokens, State& state, FairMutex* modelLock)
{
    const std::unique_lock lock = lockIfShared(modelLock);
    return model.forward(tokens, state);
}

} // namespace

std::vector<float> prefill(Model& model, std::span<const int32_t> tokens, State& state, FairMutex* modelLock,
                           std::stop_token cancel)
{
    if (!modelLock) return model.forward(tokens, state);
    std::vector<float> logits;
    for (size_t at = 0; at < tokens.size(); at += kMaxChunkTokens) {
        if (cancel.stop_requested()) return {};
        logits = forwardLocked(model, tokens.subspan(at, std::min<size_t>(kMaxChunkTokens, tokens.size() - at)), state, modelLock);
    }
    return logits;
}

GenerationResult generate(Model& model, const Tokenizer* tokenizer, std::span<const int32_t> prompt, State& state,
                          const GenerationOptions& options, const std::function<void(std::string_view)>& onText,
                          std::stop_token cancel, FairMutex* modelLock)
{
    if (prompt.empty()) throw Error(ErrorCode::InvalidArgument, "the prompt is empty");
    // Every front end checks first, naming the settings its own way; this covers any caller.
    throwIfProblem(checkGenerationOptions(options, std::numeric_limits<int>::max()));
    GenerationResult result;
    const int64_t t0 = nowNs();
    std::vector<float> logits = prefill(model, prompt, state, modelLock, cancel);
    result.prefillNs = nowNs() - t0;
    result.prefillTokens = int(prompt.size());
    if (logits.empty()) {
        result.reason = StopReason::Cancelled;
        return result;
    }

    ReplyStream reply(tokenizer, options, onText);
    const int64_t t1 = nowNs();
    while (!reply.ended()) {
        if (cancel.stop_requested()) {
            reply.cancel();
            break;
        }
        const std::optional<int32_t> token = reply.next(logits);
        if (!token) break;
        // Feed every emitted token, so the state always matches the text shown.
        logits = forwardLocked(model, std::span(&*token, 1), state, modelLock);
        ++result.decodeTokens;
    }
    result.decodeNs = nowNs() - t1;
    reply.finish();
    result.tokens = reply.tokens();
    result.text = reply.text();
    result.reason = reply.reason();
    return result;
}

} // namespace rwkv
