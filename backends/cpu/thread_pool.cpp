#include "backends/cpu/thread_pool.h"

#include <algorithm>
#include <cassert>
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
// Guided self-scheduling: each take is 1/(kGuidedDivisor·threads) of what is left, so
// chunks start large (few takes of the shared counter, long sequential streams) and shrink
// towards the end, where they bound the wait for a late thread; never below
// 1/(kMinChunkDivisor·threads) of the job.
constexpr int64_t kGuidedDivisor = 2;
constexpr int64_t kMinChunkDivisor = 8;
constexpr uint64_t kIndexMask = 0xffffffffu;

// Which pool's worker this thread is, and its scratch index (plain values: no TLS destructor).
thread_local const ThreadPool* t_pool = nullptr;
thread_local size_t t_index = 0;
} // namespace

ThreadPool::ThreadPool(int threads) : m_scratch(size_t(std::max(1, threads)))
{
    for (size_t i = 1; i < m_scratch.size(); ++i) m_workers.emplace_back([this, i] { workerLoop(i); });
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

void ThreadPool::runChunks()
{
    uint64_t work = m_work.load(std::memory_order_acquire);
    for (;;) {
        const int64_t next = int64_t(work & kIndexMask);
        // units and minChunk may already belong to a newer job; then the exchange below
        // fails and the loop sees the new word.
        const int64_t units = m_units.load(std::memory_order_relaxed);
        if (next >= units) return;
        const int64_t minChunk = m_minChunk.load(std::memory_order_relaxed);
        const int64_t take = std::max(minChunk, (units - next) / (kGuidedDivisor * size()));
        const int64_t end = std::min(units, next + take);
        if (!m_work.compare_exchange_weak(work, work + uint64_t(end - next), std::memory_order_acq_rel,
                                          std::memory_order_acquire))
            continue;
        // The job cannot be replaced while these units are outstanding, so its fields are stable.
        (*m_job)(next * m_grain, std::min(m_n, end * m_grain));
        m_done.fetch_add(end - next, std::memory_order_acq_rel);
        work = m_work.load(std::memory_order_acquire);
    }
}

void ThreadPool::parallelFor(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn)
{
    if (n <= 0) return;
    grain = std::max<int64_t>(1, grain);
    const int64_t units = (n + grain - 1) / grain;
    if (m_workers.empty() || units == 1) {
        fn(0, n);
        return;
    }
    assert(uint64_t(units) < kIndexMask);
    // Close the word first: a worker still holding the previous job's word can no longer
    // take units (its compare-exchange fails), and one reading the new word sees an index
    // past any job's end until the fields below are complete.
    const uint64_t job = (m_work.load(std::memory_order_relaxed) >> 32) + 1;
    m_work.store((job << 32) | kIndexMask, std::memory_order_seq_cst);
    m_job = &fn;
    m_n = n;
    m_grain = grain;
    m_units.store(units, std::memory_order_relaxed);
    m_minChunk.store(std::max<int64_t>(1, units / (kMinChunkDivisor * size())), std::memory_order_relaxed);
    m_done.store(0, std::memory_order_relaxed);
    {
        std::lock_guard lock(m_mutex);
        m_work.store(job << 32, std::memory_order_release);
        m_epoch.fetch_add(1, std::memory_order_release);
    }
    m_wake.notify_all();
    runChunks();
    while (m_done.load(std::memory_order_acquire) != units) RWKV_CPU_RELAX();
}

float* ThreadPool::scratch(size_t slot, size_t floats)
{
    assert(slot < kScratchSlots);
    Scratch& s = m_scratch[t_pool == this ? t_index : 0];
    if (s.capacity[slot] < floats) {
        s.buffers[slot] = allocateAlignedFloats(floats);
        s.capacity[slot] = floats;
    }
    return s.buffers[slot].get();
}

void ThreadPool::workerLoop(size_t index)
{
    t_pool = this;
    t_index = index;
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
        runChunks();
    }
}

} // namespace rwkv::cpu
