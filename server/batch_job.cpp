#include "server/batch_job.h"

#include <utility>

namespace rwkv::server {

BatchJob::BatchJob(BatchRequest request) : m_request(std::move(request)) {}

BatchJob::News BatchJob::take(std::chrono::milliseconds timeout)
{
    std::unique_lock lock(m_mutex);
    m_news.wait_for(lock, timeout, [&] {
        return m_pending.done || !m_pending.events.empty() || !m_pending.states.empty();
    });
    News news = std::move(m_pending);
    m_pending = News{};
    // `done` stays reported: a later take() returns at once.
    m_pending.done = news.done;
    news.sampled = m_sampled;
    return news;
}

void BatchJob::text(int choice, std::string_view text)
{
    {
        const std::lock_guard lock(m_mutex);
        m_pending.events.push_back({choice, std::string(text), std::nullopt, 0});
    }
    m_news.notify_all();
}

void BatchJob::ended(int choice, StopReason reason, int64_t tokens)
{
    {
        const std::lock_guard lock(m_mutex);
        m_pending.events.push_back({choice, {}, reason, tokens});
    }
    m_news.notify_all();
}

void BatchJob::state(std::vector<int32_t> tokens, State state, int choice)
{
    {
        const std::lock_guard lock(m_mutex);
        m_pending.states.push_back({std::move(tokens), std::move(state), choice});
    }
    m_news.notify_all();
}

void BatchJob::finish(std::exception_ptr error)
{
    {
        const std::lock_guard lock(m_mutex);
        m_pending.done = true;
        m_pending.error = std::move(error);
    }
    m_news.notify_all();
}

} // namespace rwkv::server
