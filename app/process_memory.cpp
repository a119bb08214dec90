#include "app/process_memory.h"

#include <cstdio>
#include <cstring>

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
