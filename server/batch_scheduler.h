#pragma once
// Continuous batching on one model (docs/design.md "Batched serving"). A thread runs steps;
// each step feeds the next chunk of the prompts waiting to start, then advances every reply in
// the batch by one token with one Model::forwardBatch, so the weights are read once for all of
// them (a reply whose prompt that chunk ended among them: its last prompt token gives its first
// token). A request joins at the step after it arrives (if its choices fit in the free
// slots; else it waits, first come first served) and leaves when its replies end or it is
// cancelled. Prompts are fed kPromptChunk tokens per step while others are decoding, so a
// long prompt delays the others by one chunk per step, not by the whole prompt. Thread-safe.
#include "core/fair_mutex.h"
#include "core/model.h"
#include "core/tokenizer/tokenizer.h"
#include "server/batch_job.h"

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace rwkv::server {

// Prompt tokens fed per step while other requests are decoding.
inline constexpr size_t kPromptChunk = 32;

class BatchScheduler {
public:
    // Everything is borrowed and must outlive the scheduler. modelLock is held around each
    // step's model calls (others may use the model between steps). maxBatch: 1…kMaxBatch
    // replies decoded at once (Error(InvalidArgument) otherwise). tokenizer may be null.
    BatchScheduler(Model& model, FairMutex& modelLock, const Tokenizer* tokenizer, int maxBatch);
    // Ends every job still running or waiting with Error(Cancelled). Must not be called while
    // holding modelLock.
    ~BatchScheduler();
    BatchScheduler(const BatchScheduler&) = delete;
    BatchScheduler& operator=(const BatchScheduler&) = delete;

    // Queues a request: 1…maxBatch choices, each with valid options; a non-empty prompt
    // with fed < its length. Throws Error(InvalidArgument) otherwise.
    std::shared_ptr<BatchJob> submit(BatchRequest request);
    int maxBatch() const { return m_maxBatch; }

private:
    struct Prompt;    // a job whose prompt is being fed
    struct Sequence;  // one choice being decoded

    void run();
    // Moves waiting jobs into the batch while their choices fit (under m_mutex).
    void admit();
    void step();
    std::vector<float> decode();
    void feedPrompts();
    void sample(std::span<float> logits);
    void startReplies(Prompt& prompt);
    // Ends a sequence that left the batch; the job is done with its last one.
    void release(Sequence& sequence, bool reportState);
    void fail(BatchJob& job, std::exception_ptr error);
    // Drops the prompts and sequences of cancelled or failed jobs.
    void sweep();
    bool busy() const { return !m_prompts.empty() || !m_sequences.empty(); }
    int slotsInUse() const;

    Model& m_model;
    FairMutex& m_modelLock;
    const Tokenizer* m_tokenizer;
    const int m_maxBatch;

    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<std::shared_ptr<BatchJob>> m_waiting;  // under m_mutex
    bool m_stopping = false;                          // under m_mutex

    // The step thread's own: prompts in arrival order, sequences in their batch slots.
    std::vector<std::unique_ptr<Prompt>> m_prompts;
    std::vector<std::unique_ptr<Sequence>> m_sequences;
    std::thread m_thread;
};

} // namespace rwkv::server
