#pragma once
// One request in the running batch, shared by the thread serving its client and the batch
// scheduler: the scheduler reports what happens (text, finished choices, states worth caching,
// the end or a failure) and the client's thread takes those reports, waiting for them; the
// client's thread may cancel it at any time (its slots are freed at the next step). Thread-safe.
#include "core/generator.h"
#include "core/state.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rwkv::server {

// What a request asks of the batch.
struct BatchRequest {
    std::vector<int32_t> tokens;             // the whole prompt, non-empty
    State state;                             // after the first `fed` prompt tokens
    size_t fed = 0;                          // < tokens.size()
    // Prompt lengths (> fed, < tokens.size()) after which a copy of the state is reported.
    std::vector<size_t> checkpoints;
    std::vector<GenerationOptions> choices;  // one reply per entry (n), from the same prompt
};

class BatchJob {
public:
    // Something that happened to one choice, in order: text, or its end.
    struct Event {
        int choice = 0;
        std::string text;
        std::optional<StopReason> ended;  // set: the choice is complete (its text all sent)
        int64_t tokens = 0;               // with `ended`: the tokens of that reply
    };
    // The state after exactly these tokens (a prompt prefix, or a prompt and one reply).
    struct PrefixState {
        std::vector<int32_t> tokens;
        State state;
        int choice = -1;  // the reply's choice, or -1 for a prompt prefix
    };
    // Everything reported since the last take().
    struct News {
        std::vector<Event> events;
        std::vector<PrefixState> states;
        int64_t sampled = 0;       // reply tokens so far, every choice together
        bool done = false;         // every choice complete and every state reported
        std::exception_ptr error;  // the job failed (then done too)
    };

    explicit BatchJob(BatchRequest request);

    // Client side: waits up to `timeout` for news (not at all if some is there) and takes it.
    News take(std::chrono::milliseconds timeout);
    // Client side: stop; nothing more is reported.
    void cancel() { m_cancelled = true; }
    bool cancelled() const { return m_cancelled; }
    // Client side: end every reply at the next step as it stands (reason Cancelled), its
    // state still reported; a job whose prompt is not yet read fails with Error(Cancelled).
    void stop() { m_stopped = true; }
    bool stopped() const { return m_stopped; }

    // Scheduler side. The request, read and advanced by the scheduler only.
    BatchRequest& request() { return m_request; }
    int choices() const { return int(m_request.choices.size()); }
    void text(int choice, std::string_view text);
    void sampled() { ++m_sampled; }
    void ended(int choice, StopReason reason, int64_t tokens);
    void state(std::vector<int32_t> tokens, State state, int choice = -1);
    // No more reports: done, or failed with `error`.
    void finish(std::exception_ptr error = nullptr);
    // Scheduler only: sequences of this job still in the batch; whether it failed.
    int live = 0;
    bool failed = false;

private:
    BatchRequest m_request;
    std::atomic<bool> m_cancelled{false};
    std::atomic<bool> m_stopped{false};
    std::atomic<int64_t> m_sampled{0};
    std::mutex m_mutex;
    std::condition_variable m_news;
    News m_pending;  // under m_mutex
};

} // namespace rwkv::server
