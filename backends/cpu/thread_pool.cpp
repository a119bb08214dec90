#include "backends/cpu/thread_pool.h"

#include <algorithm>
#include <chrono>

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define RWKV_CPU_RELAX() _mm_pause()
#else
#define RWKV_CPU_RELAX() ((void)0)
#endif

namespace rwkv::cpu {

namespace {
constexpr auto kSpinTime = std::chrono::microseconds(200);
}

ThreadPool::ThreadPool(int threads)
{
    for (int i = 1; i < std::max(1, threads); ++i) m_workers.emplace_back([this, i] { workerLoop(i); });
}

ThreadPool::~ThreadPool()
{
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
        m_epoch.fetch_add(1);
    }
    m_wake.notify_all();
    for (auto& t : m_workers) t.join();
}

void ThreadPool::runShare(int index)
{
    const int64_t units = (m_n + m_grain - 1) / m_grain;
    const int64_t parts = size();
    const int64_t begin = std::min(m_n, units * index / parts * m_grain);
    const int64_t end = std::min(m_n, units * (index + 1) / parts * m_grain);
    if (begin < end) (*m_job)(begin, end);
}

void ThreadPool::parallelFor(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn)
{
    if (n <= 0) return;
    grain = std::max<int64_t>(1, grain);
    if (m_workers.empty() || n <= grain) {
        fn(0, n);
        return;
    }
    {
        std::lock_guard lock(m_mutex);
        m_job = &fn;
        m_n = n;
        m_grain = grain;
        m_pending.store(int(m_workers.size()));
        m_epoch.fetch_add(1, std::memory_order_release);
    }
    m_wake.notify_all();
    runShare(0);
    while (m_pending.load(std::memory_order_acquire) != 0) RWKV_CPU_RELAX();
}

void ThreadPool::workerLoop(int index)
{
    uint64_t seen = 0;
    for (;;) {
        // Spin first: the next job usually arrives within microseconds during inference.
        const auto spinUntil = std::chrono::steady_clock::now() + kSpinTime;
        while (m_epoch.load(std::memory_order_acquire) == seen && std::chrono::steady_clock::now() < spinUntil)
            RWKV_CPU_RELAX();
        if (m_epoch.load(std::memory_order_acquire) == seen) {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [&] { return m_epoch.load() != seen; });
        }
        seen = m_epoch.load(std::memory_order_acquire);
        if (m_stop) return;
        runShare(index);
        m_pending.fetch_sub(1, std::memory_order_acq_rel);
    }
}

} // namespace rwkv::cpu
