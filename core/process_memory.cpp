#include "core/process_memory.h"

#ifdef _WIN32
#include <windows.h>
#else
#include <cstdio>
#include <cstring>
#endif

namespace rwkv {

#ifdef _WIN32

namespace {

MEMORYSTATUSEX memoryStatus()
{
    MEMORYSTATUSEX s{};
    s.dwLength = sizeof s;
    if (!GlobalMemoryStatusEx(&s)) return MEMORYSTATUSEX{};
    return s;
}

} // namespace

// Windows' working set needs psapi; the CLI built for Windows does not show it.
int64_t processResidentBytes() { return 0; }
int64_t systemMemoryBytes() { return int64_t(memoryStatus().ullTotalPhys); }
int64_t availableMemoryBytes() { return int64_t(memoryStatus().ullAvailPhys); }

#else

namespace {

// The value in kB of the line "key:   N kB" of a /proc file, in bytes; 0 when absent.
int64_t procKilobytes(const char* file, const char* key)
{
    std::FILE* f = std::fopen(file, "r");
    if (!f) return 0;
    char line[256];
    int64_t bytes = 0;
    const size_t keyLength = std::strlen(key);
    while (std::fgets(line, sizeof line, f)) {
        if (std::strncmp(line, key, keyLength) != 0 || line[keyLength] != ':') continue;
        long long kb = 0;
        if (std::sscanf(line + keyLength + 1, "%lld", &kb) == 1) bytes = int64_t(kb) * 1024;
        break;
    }
    std::fclose(f);
    return bytes;
}

} // namespace

int64_t processResidentBytes() { return procKilobytes("/proc/self/status", "VmRSS"); }
int64_t systemMemoryBytes() { return procKilobytes("/proc/meminfo", "MemTotal"); }
int64_t availableMemoryBytes() { return procKilobytes("/proc/meminfo", "MemAvailable"); }

#endif

} // namespace rwkv
