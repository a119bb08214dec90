#include "core/generate_alternatives.h"

#include "core/error.h"
#include "core/generation_checks.h"
#include "core/monotonic_clock.h"
#include "core/reply_stream.h"

#include <limits>
#include <memory>
#include <mutex>

namespace rwkv {

std::vector<Alternative> generateAlternatives(Model& model, const Tokenizer* tokenizer, std::span<const int32_t> prompt,
                                              State& state, std::span<const GenerationOptions> options,
                                              const AlternativeTextFn& onText, std::stop_token cancel, FairMutex* modelLock)
{
    if (prompt.empty()) throw Error(ErrorCode::InvalidArgument, "the prompt is empty");
    if (options.empty() || options.size() > size_t(kMaxBatch))
        throw Error(ErrorCode::InvalidArgument, "alternatives: 1 to " + std::to_string(kMaxBatch) + " replies at once");
    for (const GenerationOptions& o : options) throwIfProblem(checkGenerationOptions(o, std::numeric_limits<int>::max()));

    const size_t n = options.size();
    const int64_t t0 = nowNs();
    const std::vector<float> first = prefill(model, prompt, state, modelLock, cancel);
    const int64_t prefillNs = nowNs() - t0;
    const size_t vocab = first.size();

    std::vector<Alternative> out(n);
    if (first.empty()) { // cancelled while reading the prompt, as generate() reports it
        for (Alternative& a : out) {
            a.result.reason = StopReason::Cancelled;
            a.result.prefillTokens = int(prompt.size());
            a.result.prefillNs = prefillNs;
            a.state = state;
        }
        return out;
    }
    std::vector<std::unique_ptr<ReplyStream>> replies;
    std::vector<float> logits(n * vocab); // row i: reply i's next-token logits (sampling edits them)
    for (size_t i = 0; i < n; ++i) {
        out[i].state = state;
        std::function<void(std::string_view)> text;
        if (onText) text = [&onText, i](std::string_view t) { onText(int(i), t); };
        replies.push_back(std::make_unique<ReplyStream>(tokenizer, options[i], std::move(text)));
        std::copy(first.begin(), first.end(), logits.begin() + std::ptrdiff_t(i * vocab));
    }

    const int64_t t1 = nowNs();
    std::vector<int32_t> tokens;
    std::vector<State*> states;
    std::vector<size_t> rows;
    for (;;) {
        tokens.clear();
        states.clear();
        rows.clear();
        for (size_t i = 0; i < n; ++i) {
            ReplyStream& reply = *replies[i];
            if (reply.ended()) continue;
            if (cancel.stop_requested()) {
                reply.cancel();
                continue;
            }
            const std::optional<int32_t> token = reply.next(std::span(logits).subspan(i * vocab, vocab));
            if (!token) continue;
            // Every emitted token is fed, so each state matches its text.
            tokens.push_back(*token);
            states.push_back(&out[i].state);
            rows.push_back(i);
            ++out[i].result.decodeTokens;
        }
        if (tokens.empty()) break;
        std::unique_lock lock = lockIfShared(modelLock);
        const std::vector<float> next =
            tokens.size() == 1 ? model.forward(tokens, *states[0]) : model.forwardBatch(tokens, states);
        if (lock) lock.unlock();
        for (size_t k = 0; k < rows.size(); ++k)
            std::copy(next.begin() + std::ptrdiff_t(k * vocab), next.begin() + std::ptrdiff_t((k + 1) * vocab),
                      logits.begin() + std::ptrdiff_t(rows[k] * vocab));
    }
    const int64_t decodeNs = nowNs() - t1;
    {
        // Home from the batch slots while the model is ours: others may step it afterwards.
        const std::unique_lock lock = lockIfShared(modelLock);
        for (const Alternative& a : out) (void)a.state.data();
    }

    for (size_t i = 0; i < n; ++i) {
        ReplyStream& reply = *replies[i];
        reply.finish();
        GenerationResult& r = out[i].result;
        r.tokens = reply.tokens();
        r.text = reply.text();
        r.reason = reply.reason();
        r.prefillTokens = int(prompt.size());
        r.prefillNs = prefillNs;
        r.decodeNs = decodeNs;
    }
    return out;
}

} // namespace rwkv
