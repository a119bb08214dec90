#pragma once
// Fixed worker threads for data-parallel kernels. The caller takes part in every job, so a
// pool of n threads starts n-1 workers. Work is handed out in shrinking chunks from a shared
// counter: a thread that is descheduled (another process on the core) delays the job by at
// most the chunk it holds, not by a fixed share. Workers spin briefly between jobs because
// decode dispatches hundreds of small jobs per token; after that they sleep.
#include "backends/cpu/aligned_buffer.h"

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace rwkv::cpu {

class ThreadPool {
public:
    explicit ThreadPool(int threads);
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int size() const { return int(m_workers.size()) + 1; }
    // Calls fn(begin, end) on disjoint ranges covering [0, n), in parallel; returns when all
    // are done. Ranges are multiples of `grain` except the last; a thread may get several.
    void parallelFor(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);
    // The running thread's scratch buffer `slot` (< kScratchSlots) of at least `floats` floats,
    // 64-byte aligned; it keeps its capacity (and contents) until the pool is destroyed. For
    // the calling thread and, inside parallelFor jobs, the workers.
    float* scratch(size_t slot, size_t floats);
    static constexpr size_t kScratchSlots = 2;

private:
    // Owned here rather than in thread_local objects: with mingw-w64's emulated TLS, the
    // destructors of thread_local objects run after their storage is freed (crash at thread exit).
    struct Scratch {
        std::array<AlignedFloats, kScratchSlots> buffers;
        std::array<size_t, kScratchSlots> capacity{};
    };

    void workerLoop(size_t index);
    // Runs chunks of the current job until none is left.
    void runChunks();

    std::vector<std::thread> m_workers;
    std::vector<Scratch> m_scratch; // [0] the calling thread, [i] worker i
    // (job id << 32) | next unit to hand out: one word, so units are never taken for a job
    // that has already been replaced.
    alignas(64) std::atomic<uint64_t> m_work{0};
    alignas(64) std::atomic<int64_t> m_done{0};
    alignas(64) std::atomic<uint64_t> m_epoch{0};
    std::atomic<bool> m_stop{false};
    std::mutex m_mutex;
    std::condition_variable m_wake;
    const std::function<void(int64_t, int64_t)>* m_job = nullptr;
    // Read by workers only after taking units, so stable while they use them.
    int64_t m_n = 0, m_grain = 1;
    // Read by workers before taking units, possibly while the next job is being set up.
    std::atomic<int64_t> m_units{0}, m_minChunk{1};
};

} // namespace rwkv::cpu
