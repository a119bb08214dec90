#pragma once
// Memory numbers for the CPU meter, from the kernel's /proc files (Linux; 0 elsewhere). These
// are in-memory kernel files, answered without touching a disk, so the UI thread may read them.
#include <cstdint>

// Resident set size of this process in bytes (VmRSS of /proc/self/status).
int64_t processResidentBytes();
// Installed memory in bytes (MemTotal of /proc/meminfo).
int64_t systemMemoryBytes();
