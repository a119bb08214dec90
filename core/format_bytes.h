#pragma once
// Byte counts as people read them, for messages of the CLI and the core ("1.2 MiB", "830 B").
#include <cstdint>
#include <string>

namespace rwkv {

// Binary units: B, KiB, MiB, GiB.
std::string formatBytes(int64_t bytes);

} // namespace rwkv
