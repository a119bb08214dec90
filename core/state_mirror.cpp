#include "core/state_mirror.h"

#include <algorithm>

namespace rwkv {

void StateMirror::readInto(std::span<float> state) const
{
    const std::lock_guard guard(*m_lock);
    if (m_fetch) {
        m_fetch(state.data());
        return;
    }
    for (const Range& r : m_ranges)
        std::copy_n(m_host.begin() + std::ptrdiff_t(r.offset), r.count, state.begin() + std::ptrdiff_t(r.offset));
}

void StateMirror::flush()
{
    const std::lock_guard guard(*m_lock);
    if (!m_fetch) return;
    const Fetch fetch = std::move(m_fetch); // never calls the device again, even if this throws
    m_fetch = {};
    size_t end = 0;
    for (const Range& r : m_ranges) end = std::max(end, r.offset + r.count);
    m_host.resize(end);
    fetch(m_host.data());
}

} // namespace rwkv
