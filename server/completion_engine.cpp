#include "server/completion_engine.h"

#include "core/error.h"
#include "core/prompt_format.h"

#include <algorithm>

namespace rwkv::server {

namespace {

// Token 0 ends a text in the World and NeoX vocabularies: the reply is complete.
constexpr int32_t kEndOfText = 0;

} // namespace

CompletionEngine::CompletionEngine(Model& model, const Tokenizer& tokenizer, FairMutex& modelLock, PrefixCache& cache)
    : m_model(model), m_tokenizer(tokenizer), m_modelLock(modelLock), m_cache(cache)
{
}

Completion CompletionEngine::run(const CompletionRequest& request, const std::function<void(std::string_view)>& onText,
                                 std::stop_token cancel)
{
    GenerationOptions options = request.options;
    options.stopTokens = {kEndOfText};
    std::vector<int32_t> tokens;
    // Where the last message starts: a stable place to keep a state, since the next turn
    // of this conversation will re-tokenize everything before it the same way.
    size_t boundary = 0;
    if (request.endpoint == Endpoint::Chat) {
        options.stopStrings.emplace_back(kTurnEnd);
        options.exemptWhitespaceDigits = false; // as the official chat loop
        options.dropLeadingSpace = true;        // the content a client sends back re-tokenizes the same
        tokens = m_tokenizer.encode(chatTranscript(request.messages));
        std::string before;
        for (size_t i = 0; i + 1 < request.messages.size(); ++i) before += chatTurn(request.messages[i]);
        const std::vector<int32_t> head = m_tokenizer.encode(before);
        if (head.size() < tokens.size() && std::equal(head.begin(), head.end(), tokens.begin())) boundary = head.size();
    } else {
        tokens = m_tokenizer.encode(request.prompt);
    }

    if (tokens.empty()) throw Error(ErrorCode::InvalidArgument, "the prompt is empty");
    Completion out;
    out.usage.promptTokens = int64_t(tokens.size());
    std::optional<CachedPrefix> hit = m_cache.longestPrefix(tokens);
    State state = hit ? std::move(hit->state) : m_model.newState();
    size_t fed = hit ? size_t(hit->tokens) : 0;
    out.usage.cachedTokens = int64_t(fed);

    // Prefill up to the boundary, then all but the last prompt token (so even the same prompt
    // asked again resumes), keeping the state at each point.
    for (const size_t until : {boundary, tokens.size() - 1}) {
        if (until <= fed) continue;
        if (prefill(m_model, std::span(tokens).subspan(fed, until - fed), state, &m_modelLock, cancel).empty()) {
            out.reason = StopReason::Cancelled;
            return out;
        }
        m_cache.put(std::span(tokens).first(until), state);
        fed = until;
    }
    const GenerationResult result =
        generate(m_model, &m_tokenizer, std::span(tokens).subspan(fed), state, options, onText, cancel, &m_modelLock);
    out.text = result.text;
    out.reason = result.reason;
    out.usage.completionTokens = int64_t(result.tokens.size());
    if (result.reason != StopReason::Cancelled) {
        // The state after the reply: the next turn resumes here if its prompt re-tokenizes the
        // reply into the tokens that were sampled.
        tokens.insert(tokens.end(), result.tokens.begin(), result.tokens.end());
        m_cache.put(tokens, state);
    }
    return out;
}

} // namespace rwkv::server
