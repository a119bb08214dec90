#include "core/fair_mutex.h"

namespace rwkv {

void FairMutex::lock()
{
    std::unique_lock guard(m_mutex);
    const uint64_t ticket = m_nextTicket++;
    m_turnChanged.wait(guard, [&] { return m_serving == ticket; });
}

void FairMutex::unlock()
{
    {
        std::lock_guard guard(m_mutex);
        ++m_serving;
    }
    m_turnChanged.notify_all();
}

} // namespace rwkv
