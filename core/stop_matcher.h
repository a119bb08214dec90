#pragma once
// Finds stop strings in streamed text without ever showing part of a stop string.
#include <string>
#include <string_view>
#include <vector>

namespace rwkv {

class StopMatcher {
public:
    // Empty strings in `stops` are ignored (they would stop before any text).
    explicit StopMatcher(std::vector<std::string> stops);

    // Appends text; returns what is safe to show now. A tail that could still become the start
    // of a stop string is held back. When a stop string appears, stopped() turns true, the text
    // before it is returned and the stop string and everything after it are dropped; after
    // that push() returns "".
    std::string push(std::string_view text);
    // Ends the stream: returns the held-back tail (nothing if stopped).
    std::string flush();
    bool stopped() const { return m_stopped; }

private:
    std::vector<std::string> m_stops;
    std::string m_held; // received but not yet returned
    bool m_stopped = false;
};

} // namespace rwkv
