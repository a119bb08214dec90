#pragma once
// Runs OpenAI completion requests on one model: the prompt in the World chat format (or as
// given, for /v1/completions), resumed from the longest stored prefix of its tokens, with the
// model shared fairly between concurrent requests. Each request owns its state. Thread-safe.
#include "core/fair_mutex.h"
#include "core/generator.h"
#include "core/model.h"
#include "core/tokenizer/tokenizer.h"
#include "server/api_request.h"
#include "server/prefix_cache.h"

#include <cstdint>
#include <functional>
#include <stop_token>
#include <string>
#include <string_view>

namespace rwkv::server {

struct Usage {
    int64_t promptTokens = 0;
    int64_t completionTokens = 0;
    int64_t cachedTokens = 0;  // prompt tokens resumed from a stored state instead of fed
};

struct Completion {
    std::string text;
    StopReason reason = StopReason::MaxTokens;
    Usage usage;
};

class CompletionEngine {
public:
    // Everything is borrowed and must outlive the engine; modelLock is taken around every
    // forward call, by this engine and by anyone else using the model.
    CompletionEngine(Model& model, const Tokenizer& tokenizer, FairMutex& modelLock, PrefixCache& cache);

    // Generates the reply, streaming text to onText; a requested cancel stops it before the
    // next token (reason Cancelled, nothing stored). Throws Error.
    Completion run(const CompletionRequest& request, const std::function<void(std::string_view)>& onText,
                   std::stop_token cancel);

private:
    Model& m_model;
    const Tokenizer& m_tokenizer;
    FairMutex& m_modelLock;
    PrefixCache& m_cache;
};

} // namespace rwkv::server
