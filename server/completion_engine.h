#pragma once
// Runs OpenAI completion requests on one model: the prompt in the World chat format (or as
// given, for /v1/completions), resumed from the longest stored prefix of its tokens, then
// decoded in the running batch (BatchScheduler) beside every other request, n choices at once.
// Each request owns its states. Thread-safe: one thread per request calls run().
#include "core/fair_mutex.h"
#include "core/generator.h"
#include "core/model.h"
#include "core/tokenizer/tokenizer.h"
#include "server/api_request.h"
#include "server/batch_scheduler.h"
#include "server/prefix_cache.h"

#include <cstdint>
#include <functional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

namespace rwkv::server {

struct Usage {
    int64_t promptTokens = 0;
    int64_t completionTokens = 0;  // every choice together
    int64_t cachedTokens = 0;      // prompt tokens resumed from a stored state instead of fed
};

struct Choice {
    std::string text;
    StopReason reason = StopReason::Cancelled;
    int64_t tokens = 0;
};

struct Completion {
    std::vector<Choice> choices;  // request.choices of them, by index
    Usage usage;
};

// Where a reply goes as it is made, on the thread that called run().
struct ReplySink {
    std::function<void(int choice, std::string_view text)> text;
    std::function<void(int choice, StopReason reason)> ended;  // after that choice's last text
    // Polled while waiting: true when the client has gone (the request is then cancelled).
    std::function<bool()> clientGone;
};

class CompletionEngine {
public:
    // Everything is borrowed and must outlive the engine; modelLock is taken around every
    // step of the batch, by this engine and by anyone else using the model. maxBatch: replies
    // decoded at once, 1…kMaxBatch.
    CompletionEngine(Model& model, const Tokenizer& tokenizer, FairMutex& modelLock, PrefixCache& cache, int maxBatch = 8);

    // Generates the replies, reporting them to sink; a requested cancel (or a client gone)
    // stops them at the next step (unfinished choices: reason Cancelled, nothing stored).
    // Throws Error.
    Completion run(const CompletionRequest& request, const ReplySink& sink, std::stop_token cancel);

    int maxBatch() const { return m_scheduler.maxBatch(); }
    // The running batch, for work of others that should share its steps (the app's chat).
    BatchScheduler& scheduler() { return m_scheduler; }

private:
    // The request's prompt tokens and the prompt length after which a state is kept.
    BatchRequest prepare(const CompletionRequest& request, size_t& boundary) const;

    Model& m_model;
    const Tokenizer& m_tokenizer;
    PrefixCache& m_cache;
    BatchScheduler m_scheduler; // last: its thread stops before the rest goes
};

} // namespace rwkv::server
