#include "core/format_bytes.h"

#include <cstdio>

namespace rwkv {

std::string formatBytes(int64_t bytes)
{
    char text[32];
    if (bytes < 1024) std::snprintf(text, sizeof text, "%lld B", static_cast<long long>(bytes));
    else if (bytes < (1 << 20)) std::snprintf(text, sizeof text, "%.1f KiB", double(bytes) / 1024);
    else if (bytes < (1 << 30)) std::snprintf(text, sizeof text, "%.1f MiB", double(bytes) / (1 << 20));
    else std::snprintf(text, sizeof text, "%.2f GiB", double(bytes) / (1 << 30));
    return text;
}

} // namespace rwkv
