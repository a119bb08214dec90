#include "server/batch_replies.h"

#include "core/monotonic_clock.h"

#include <chrono>

namespace rwkv::server {

namespace {

// How often the waiting thread looks at its cancel token.
constexpr std::chrono::milliseconds kPollInterval{20};

} // namespace

std::vector<Alternative> decodeInBatch(BatchScheduler& scheduler, std::span<const int32_t> prompt, State& state,
                                       std::span<const GenerationOptions> options, const AlternativeTextFn& onText,
                                       std::stop_token cancel)
{
    BatchRequest request;
    request.tokens.assign(prompt.begin(), prompt.end());
    request.state = std::move(state);
    request.choices.assign(options.begin(), options.end());
    const int64_t t0 = nowNs();
    const std::shared_ptr<BatchJob> job = scheduler.submit(std::move(request));
    std::vector<Alternative> out(options.size());
    int64_t firstToken = 0;
    try {
        for (;;) {
            if (cancel.stop_requested()) job->stop();
            BatchJob::News news = job->take(kPollInterval);
            if (news.sampled > 0 && firstToken == 0) firstToken = nowNs();
            for (const BatchJob::Event& e : news.events) {
                GenerationResult& r = out[size_t(e.choice)].result;
                r.text += e.text;
                if (onText && !e.text.empty()) onText(e.choice, e.text);
                if (e.ended) r.reason = *e.ended;
            }
            for (BatchJob::PrefixState& s : news.states) {
                Alternative& a = out[size_t(s.choice)]; // only replies' states: no checkpoints asked
                a.result.tokens.assign(s.tokens.begin() + std::ptrdiff_t(prompt.size()), s.tokens.end());
                a.state = std::move(s.state);
            }
            if (news.error) std::rethrow_exception(news.error);
            if (news.done) break;
        }
    } catch (...) {
        job->cancel(); // its slots are freed at the next step
        throw;
    }
    const int64_t end = nowNs();
    if (firstToken == 0) firstToken = end;
    for (Alternative& a : out) {
        a.result.prefillTokens = int(prompt.size());
        a.result.prefillNs = firstToken - t0;
        a.result.decodeTokens = int(a.result.tokens.size());
        a.result.decodeNs = end - firstToken;
    }
    return out;
}

ReplyDecoder batchReplyDecoder(BatchScheduler& scheduler)
{
    return [&scheduler](std::span<const int32_t> prompt, State& state, std::span<const GenerationOptions> options,
                        const AlternativeTextFn& onText, std::stop_token cancel) {
        return decodeInBatch(scheduler, prompt, state, options, onText, std::move(cancel));
    };
}

} // namespace rwkv::server
