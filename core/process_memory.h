#pragma once
// The host's memory numbers: the CPU meter, the memory estimate's check and the automatic
// strategy's free memory. From the kernel's /proc files on Linux (in-memory files answered
// without touching a disk, so a UI thread may read them), GlobalMemoryStatusEx on Windows.
#include <cstdint>

namespace rwkv {

// Resident set size of this process in bytes (VmRSS of /proc/self/status); 0 where unknown.
int64_t processResidentBytes();
// Installed memory in bytes (MemTotal).
int64_t systemMemoryBytes();
// Memory a new allocation can get without swapping, in bytes (MemAvailable).
int64_t availableMemoryBytes();

} // namespace rwkv
