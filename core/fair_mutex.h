#pragma once
// A first-come-first-served mutex (ticket lock). Generations that share one model take it
// around every forward call; std::mutex promises no order, so one busy thread could starve
// the others, while tickets make concurrent generations take turns token by token.
// Meets BasicLockable (std::lock_guard, std::unique_lock).
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace rwkv {

class FairMutex {
public:
    // Blocks until every thread that asked earlier has had its turn.
    void lock();
    void unlock();

private:
    std::mutex m_mutex;
    std::condition_variable m_turnChanged;
    uint64_t m_nextTicket = 0;
    uint64_t m_serving = 0;
};

// Holds lock when there is one: a model used by one thread alone is given no lock.
inline std::unique_lock<FairMutex> lockIfShared(FairMutex* lock)
{
    return lock ? std::unique_lock(*lock) : std::unique_lock<FairMutex>();
}

} // namespace rwkv
