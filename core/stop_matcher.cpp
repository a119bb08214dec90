#include "core/stop_matcher.h"

#include <algorithm>
#include <utility>

namespace rwkv {

StopMatcher::StopMatcher(std::vector<std::string> stops) : m_stops(std::move(stops))
{
    std::erase_if(m_stops, [](const std::string& s) { return s.empty(); });
}

std::string StopMatcher::push(std::string_view text)
{
    if (m_stopped)
        return {};
    m_held.append(text);

    // The earliest match wins: the text before it is everything the user may see.
    size_t stopAt = std::string::npos;
    for (const std::string& stop : m_stops)
        stopAt = std::min(stopAt, m_held.find(stop));
    if (stopAt != std::string::npos) {
        m_stopped = true;
        std::string out = m_held.substr(0, stopAt);
        m_held.clear();
        return out;
    }

    // Hold back the longest tail that is a proper prefix of some stop string. Stop strings are
    // whole UTF-8 text, so the split falls on a character boundary.
    size_t keep = 0;
    for (const std::string& stop : m_stops) {
        const size_t longest = std::min(stop.size() - 1, m_held.size());
        for (size_t len = longest; len > keep; --len) {
            if (m_held.compare(m_held.size() - len, len, stop, 0, len) == 0) {
                keep = len;
                break;
            }
        }
    }
    std::string out = m_held.substr(0, m_held.size() - keep);
    m_held.erase(0, m_held.size() - keep);
    return out;
}

std::string StopMatcher::flush()
{
    std::string out = m_stopped ? std::string() : std::move(m_held);
    m_held.clear();
    return out;
}

} // namespace rwkv
