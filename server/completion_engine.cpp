#include "server/completion_engine.h"

#include "core/error.h"
#include "core/prompt_format.h"

#include <algorithm>
#include <chrono>

namespace rwkv::server {

namespace {

// Token 0 ends a text in the World and NeoX vocabularies: the reply is complete.
constexpr int32_t kEndOfText = 0;
// How often a request that hears nothing from the batch checks on its client.
constexpr std::chrono::milliseconds kPollInterval{50};

} // namespace

CompletionEngine::CompletionEngine(Model& model, const Tokenizer& tokenizer, FairMutex& modelLock, PrefixCache& cache, int maxBatch)
    : m_model(model), m_tokenizer(tokenizer), m_cache(cache), m_scheduler(model, modelLock, &tokenizer, maxBatch)
{
}

BatchRequest CompletionEngine::prepare(const CompletionRequest& request, size_t& boundary) const
{
    GenerationOptions options = request.options;
    options.stopTokens = {kEndOfText};
    BatchRequest r;
    // Where the last message starts: a stable place to keep a state, since the next turn
    // of this conversation will re-tokenize everything before it the same way.
    boundary = 0;
    if (request.endpoint == Endpoint::Chat) {
        options.stopStrings.emplace_back(kTurnEnd);
        options.exemptWhitespaceDigits = false; // as the official chat loop
        options.dropLeadingSpace = true;        // the content a client sends back re-tokenizes the same
        r.tokens = m_tokenizer.encode(chatTranscript(request.messages));
        std::string before;
        for (size_t i = 0; i + 1 < request.messages.size(); ++i) before += chatTurn(request.messages[i]);
        const std::vector<int32_t> head = m_tokenizer.encode(before);
        if (head.size() < r.tokens.size() && std::equal(head.begin(), head.end(), r.tokens.begin())) boundary = head.size();
    } else {
        r.tokens = m_tokenizer.encode(request.prompt);
    }
    // Choice i of a seeded request draws as the same request with seed + i would alone.
    for (int i = 0; i < request.choices; ++i) {
        r.choices.push_back(options);
        if (options.sampling.seed) r.choices.back().sampling.seed = *options.sampling.seed + uint64_t(i);
    }
    return r;
}

Completion CompletionEngine::run(const CompletionRequest& request, const ReplySink& sink, std::stop_token cancel)
{
    size_t boundary = 0;
    BatchRequest batch = prepare(request, boundary);
    if (batch.tokens.empty()) throw Error(ErrorCode::InvalidArgument, "the prompt is empty");
    Completion out;
    out.choices.resize(batch.choices.size());
    out.usage.promptTokens = int64_t(batch.tokens.size());
    std::optional<CachedPrefix> hit = m_cache.longestPrefix(batch.tokens);
    batch.state = hit ? std::move(hit->state) : m_model.newState();
    batch.fed = hit ? size_t(hit->tokens) : 0;
    out.usage.cachedTokens = int64_t(batch.fed);
    // States are kept at the boundary and before the last prompt token (so even the same
    // prompt asked again resumes), then after each reply.
    for (const size_t at : {boundary, batch.tokens.size() - 1})
        if (at > batch.fed && (batch.checkpoints.empty() || batch.checkpoints.back() < at)) batch.checkpoints.push_back(at);

    const std::shared_ptr<BatchJob> job = m_scheduler.submit(std::move(batch));
    for (;;) {
        BatchJob::News news = job->take(kPollInterval);
        for (const BatchJob::PrefixState& s : news.states) m_cache.put(s.tokens, s.state);
        for (const BatchJob::Event& e : news.events) {
            Choice& choice = out.choices[size_t(e.choice)];
            if (e.ended) {
                choice.reason = *e.ended;
                choice.tokens = e.tokens;
                if (sink.ended) sink.ended(e.choice, *e.ended);
            } else {
                choice.text += e.text;
                if (sink.text) sink.text(e.choice, e.text);
            }
        }
        if (news.error) std::rethrow_exception(news.error);
        out.usage.completionTokens = news.sampled;
        if (news.done) break;
        if (cancel.stop_requested() || (sink.clientGone && sink.clientGone())) {
            job->cancel(); // unfinished choices stay Cancelled
            break;
        }
    }
    return out;
}

} // namespace rwkv::server
