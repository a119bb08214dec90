#pragma once
// Fixed worker threads for data-parallel kernels. The caller runs one share itself, so a
// pool of n threads starts n-1 workers. Workers spin briefly between jobs because decode
// dispatches hundreds of small jobs per token; after that they sleep.
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
    // are done. Ranges are multiples of `grain` except the last.
    void parallelFor(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

private:
    void workerLoop(int index);
    void runShare(int index);

    std::vector<std::thread> m_workers;
    std::atomic<uint64_t> m_epoch{0};
    std::atomic<int> m_pending{0};
    std::atomic<bool> m_stop{false};
    std::mutex m_mutex;
    std::condition_variable m_wake;
    const std::function<void(int64_t, int64_t)>* m_job = nullptr;
    int64_t m_n = 0, m_grain = 1;
};

} // namespace rwkv::cpu
