#include "server/batch_scheduler.h"

#include "core/error.h"
#include "core/generation_checks.h"
#include "core/reply_stream.h"

#include <algorithm>
#include <limits>

namespace rwkv::server {

namespace {

std::exception_ptr stoppedBeforeReply()
{
    return std::make_exception_ptr(Error(ErrorCode::Cancelled, "stopped before the reply began"));
}

} // namespace

struct BatchScheduler::Prompt {
    std::shared_ptr<BatchJob> job;
    bool started = false; // its replies are in the batch
};

struct BatchScheduler::Sequence {
    std::shared_ptr<BatchJob> job;
    int choice = 0;
    State state;
    ReplyStream reply;
    int32_t pending = 0; // the token the next step feeds
    bool last = false;   // the reply has ended: pending is fed only so the state holds it
    bool gone = false;   // left the batch
};

BatchScheduler::BatchScheduler(Model& model, FairMutex& modelLock, const Tokenizer* tokenizer, int maxBatch)
    : m_model(model), m_modelLock(modelLock), m_tokenizer(tokenizer), m_maxBatch(maxBatch)
{
    if (maxBatch < 1 || maxBatch > kMaxBatch)
        throw Error(ErrorCode::InvalidArgument, "the batch size must be 1…" + std::to_string(kMaxBatch) + ", not " + std::to_string(maxBatch));
    m_thread = std::thread([this] { run(); });
}

BatchScheduler::~BatchScheduler()
{
    {
        const std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    m_thread.join();
}

std::shared_ptr<BatchJob> BatchScheduler::submit(BatchRequest request)
{
    const size_t n = request.choices.size();
    if (n < 1 || n > size_t(m_maxBatch))
        throw Error(ErrorCode::InvalidArgument, "a request may ask for 1…" + std::to_string(m_maxBatch) + " choices here, not "
                                                    + std::to_string(n));
    if (request.tokens.empty()) throw Error(ErrorCode::InvalidArgument, "the prompt is empty");
    if (request.fed >= request.tokens.size() || !std::ranges::is_sorted(request.checkpoints)
        || std::ranges::any_of(request.checkpoints, [&](size_t c) { return c <= request.fed || c >= request.tokens.size(); }))
        throw Error(ErrorCode::InvalidArgument, "a batch request must leave prompt tokens to feed, with checkpoints among them");
    for (const GenerationOptions& options : request.choices)
        throwIfProblem(checkGenerationOptions(options, std::numeric_limits<int>::max()));
    auto job = std::make_shared<BatchJob>(std::move(request));
    {
        const std::lock_guard lock(m_mutex);
        m_waiting.push_back(job);
    }
    m_wake.notify_all();
    return job;
}

void BatchScheduler::run()
{
    std::unique_lock lock(m_mutex);
    for (;;) {
        m_wake.wait(lock, [&] { return m_stopping || !m_waiting.empty() || busy(); });
        if (m_stopping) break;
        admit();
        lock.unlock();
        try {
            step();
        } catch (...) {
            // Not a model error (those fail their jobs inside step): fail everyone, keep serving.
            const std::exception_ptr error = std::current_exception();
            for (const auto& p : m_prompts) fail(*p->job, error);
            for (const auto& s : m_sequences) fail(*s->job, error);
            sweep();
        }
        lock.lock();
    }
    const auto stopped = std::make_exception_ptr(Error(ErrorCode::Cancelled, "the server is stopping"));
    for (const auto& job : m_waiting) job->finish(stopped);
    m_waiting.clear();
    lock.unlock();
    for (const auto& p : m_prompts) fail(*p->job, stopped);
    for (const auto& s : m_sequences) fail(*s->job, stopped);
    sweep();
}

int BatchScheduler::slotsInUse() const
{
    int used = 0;
    for (const auto& p : m_prompts) used += p->job->choices();
    for (const auto& s : m_sequences) used += s->gone ? 0 : 1;
    return used;
}

void BatchScheduler::admit()
{
    int used = slotsInUse();
    // First come, first served: a job that does not fit yet holds back those behind it, so a
    // request for many choices is not starved by a stream of single ones.
    while (!m_waiting.empty()) {
        std::shared_ptr<BatchJob>& job = m_waiting.front();
        if (job->cancelled() || job->stopped()) {
            if (job->stopped()) fail(*job, stoppedBeforeReply());
            m_waiting.pop_front();
            continue;
        }
        if (used + job->choices() > m_maxBatch) break;
        used += job->choices();
        auto prompt = std::make_unique<Prompt>(Prompt{std::move(job), false});
        m_waiting.pop_front();
        const BatchRequest& r = prompt->job->request();
        if (r.fed + 1 == r.tokens.size())
            startReplies(*prompt); // decoded from this step on
        else
            m_prompts.push_back(std::move(prompt));
    }
}

void BatchScheduler::step()
{
    sweep();
    if (!busy()) return;
    std::vector<float> logits;
    {
        const std::lock_guard lock(m_modelLock);
        // Prompts first: one whose chunk ends it joins this step's decode, so a newcomer's first
        // token comes one step sooner (the others wait the same: their tokens are sampled after
        // both either way).
        feedPrompts();
        for (const auto& p : m_prompts) {
            const BatchRequest& r = p->job->request();
            if (!p->started && !p->job->failed && !p->job->cancelled() && r.fed + 1 == r.tokens.size()) startReplies(*p);
        }
        if (!m_sequences.empty()) try {
                logits = decode();
            } catch (...) {
                // The states may be partly advanced: every reply in the step fails.
                for (const auto& s : m_sequences) fail(*s->job, std::current_exception());
            }
    }
    if (!logits.empty()) sample(logits);
    sweep();
}

std::vector<float> BatchScheduler::decode()
{
    // The same States in the same order step after step stay in the model's batch slots.
    std::vector<int32_t> tokens;
    std::vector<State*> states;
    for (const auto& s : m_sequences) {
        tokens.push_back(s->pending);
        states.push_back(&s->state);
    }
    return m_model.forwardBatch(tokens, states);
}

void BatchScheduler::feedPrompts()
{
    // Alone, a prompt goes in chunks as large as forward takes; beside replies being decoded,
    // a step feeds at most one small chunk of prompt, shared first come first served.
    size_t budget = m_sequences.empty() ? size_t(kMaxChunkTokens) : kPromptChunk;
    for (const auto& p : m_prompts) {
        BatchJob& job = *p->job;
        if (budget == 0) break;
        if (p->started || job.failed || job.cancelled()) continue;
        if (job.stopped()) {
            fail(job, stoppedBeforeReply());
            continue;
        }
        BatchRequest& r = job.request();
        // The last prompt token is fed in the first decoding step: its logits start the reply.
        size_t stop = r.tokens.size() - 1;
        for (const size_t c : r.checkpoints)
            if (c > r.fed) {
                stop = std::min(stop, c);
                break;
            }
        const size_t n = std::min(budget, stop - r.fed);
        try {
            m_model.forward(std::span(r.tokens).subspan(r.fed, n), r.state);
        } catch (...) {
            fail(job, std::current_exception());
            continue;
        }
        r.fed += n;
        budget -= n;
        if (std::ranges::find(r.checkpoints, r.fed) != r.checkpoints.end())
            job.state({r.tokens.begin(), r.tokens.begin() + ptrdiff_t(r.fed)}, r.state);
    }
}

void BatchScheduler::startReplies(Prompt& prompt)
{
    prompt.started = true;
    BatchJob& job = *prompt.job;
    BatchRequest& r = job.request();
    job.live = job.choices();
    for (int i = 0; i < job.choices(); ++i) {
        auto s = std::make_unique<Sequence>(Sequence{
            prompt.job, i, i + 1 < job.choices() ? State(r.state) : std::move(r.state),
            ReplyStream(m_tokenizer, r.choices[size_t(i)], [&job, i](std::string_view text) { job.text(i, text); }),
            r.tokens.back(), false, false});
        if (s->reply.ended()) { // a limit of 0 tokens: the prompt is still fed whole
            s->reply.finish();
            job.ended(i, s->reply.reason(), 0);
            s->last = true;
        }
        m_sequences.push_back(std::move(s));
    }
}

void BatchScheduler::sample(std::span<float> logits)
{
    const size_t V = size_t(m_model.config().vocab);
    // Exactly the sequences decode() fed, in its order: replies started since join afterwards.
    const size_t decoded = logits.size() / V;
    for (size_t b = 0; b < decoded; ++b) {
        Sequence& s = *m_sequences[b];
        if (s.job->failed || s.job->cancelled()) continue;
        if (s.last) {
            release(s, true);
            continue;
        }
        if (s.job->stopped()) { // every token it returned is fed: the state matches the text
            s.reply.cancel();
            s.reply.finish();
            s.job->ended(s.choice, s.reply.reason(), int64_t(s.reply.tokens().size()));
            release(s, true);
            continue;
        }
        try {
            const std::optional<int32_t> token = s.reply.next(logits.subspan(b * V, V));
            if (token) s.job->sampled();
            if (!s.reply.ended()) {
                s.pending = *token;
                continue;
            }
            s.reply.finish();
            s.job->ended(s.choice, s.reply.reason(), int64_t(s.reply.tokens().size()));
            if (token) {
                s.pending = *token;
                s.last = true;
            } else {
                release(s, true);
            }
        } catch (...) {
            fail(*s.job, std::current_exception());
        }
    }
}

void BatchScheduler::release(Sequence& s, bool reportState)
{
    s.gone = true;
    if (reportState) {
        // The prompt and the reply, all fed: the next turn of this conversation resumes here.
        std::vector<int32_t> tokens = s.job->request().tokens;
        tokens.insert(tokens.end(), s.reply.tokens().begin(), s.reply.tokens().end());
        (void)s.state.data(); // brought home from the batch slot here, not on the client's thread
        s.job->state(std::move(tokens), std::move(s.state), s.choice);
    }
    if (--s.job->live == 0) s.job->finish();
}

void BatchScheduler::fail(BatchJob& job, std::exception_ptr error)
{
    if (job.failed) return;
    job.failed = true;
    job.finish(std::move(error));
}

void BatchScheduler::sweep()
{
    const auto out = [](const BatchJob& job) { return job.failed || job.cancelled(); };
    std::erase_if(m_prompts, [&](const auto& p) { return p->started || out(*p->job); });
    std::erase_if(m_sequences, [&](const auto& s) { return s->gone || out(*s->job); });
}

} // namespace rwkv::server
