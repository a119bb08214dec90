#pragma once
// Nanoseconds on the steady clock: for durations (load, read, save times), never for dates.
#include <chrono>
#include <cstdint>

namespace rwkv {

inline int64_t nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

} // namespace rwkv
