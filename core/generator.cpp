#include "core/generator.h"

#include "core/error.h"
#include "core/generation_checks.h"
#include "core/stop_matcher.h"
#include "core/tokenizer/utf8_stream_decoder.h"

#include <algorithm>
#include <limits>
#include <chrono>

namespace rwkv {

namespace {

int64_t nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

std::vector<float> forwardLocked(Model& model, std::span<const int32_t> tokens, State& state, FairMutex* modelLock)
{
    if (!modelLock) return model.forward(tokens, state);
    std::lock_guard guard(*modelLock);
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
    bool leading = options.dropLeadingSpace;
    auto emit = [&](const std::string& piece) {
        std::string_view text = piece;
        if (leading && !text.empty()) {
            if (text[0] == ' ') text.remove_prefix(1);
            leading = false;
        }
        if (text.empty()) return;
        result.text += text;
        if (onText) onText(text);
    };

    const int64_t t0 = nowNs();
    std::vector<float> logits = prefill(model, prompt, state, modelLock, cancel);
    result.prefillNs = nowNs() - t0;
    result.prefillTokens = int(prompt.size());
    if (logits.empty()) {
        result.reason = StopReason::Cancelled;
        return result;
    }

    Sampler sampler(options.sampling);
    Utf8StreamDecoder decoder;
    StopMatcher matcher(tokenizer ? options.stopStrings : std::vector<std::string>{});
    const int64_t t1 = nowNs();
    for (int i = 0; i < options.maxTokens; ++i) {
        if (cancel.stop_requested()) {
            result.reason = StopReason::Cancelled;
            break;
        }
        const int32_t token = sampler.sample(logits);
        if (std::find(options.stopTokens.begin(), options.stopTokens.end(), token) != options.stopTokens.end()) {
            result.reason = StopReason::StopToken;
            break;
        }
        result.tokens.push_back(token);
        const std::string_view bytes = tokenizer ? tokenizer->tokenBytes(token) : std::string_view{};
        sampler.accept(token, options.exemptWhitespaceDigits ? occurrenceWeight(bytes) : 1.0f);
        emit(matcher.push(decoder.push(bytes)));
        // Feed every emitted token, so the state always matches the text shown.
        logits = forwardLocked(model, std::span(&token, 1), state, modelLock);
        ++result.decodeTokens;
        if (matcher.stopped()) {
            result.reason = StopReason::StopString;
            break;
        }
    }
    result.decodeNs = nowNs() - t1;
    if (!matcher.stopped()) {
        emit(matcher.push(decoder.flush()));
        emit(matcher.flush());
    }
    return result;
}

} // namespace rwkv
