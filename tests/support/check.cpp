#include "support/check.h"

#include <cstdio>
#include <vector>

#ifdef RWKV_CHECKS_QT
#include <QtGlobal>
#endif

namespace rwkv::test {

namespace {

std::string vformat(const char* fmt, va_list args)
{
    va_list copy;
    va_copy(copy, args);
    const int n = std::vsnprintf(nullptr, 0, fmt, copy);
    va_end(copy);
    std::vector<char> buffer(size_t(n > 0 ? n : 0) + 1);
    std::vsnprintf(buffer.data(), buffer.size(), fmt, args);
    return buffer.data();
}

} // namespace

std::string format(const char* fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    std::string s = vformat(fmt, args);
    va_end(args);
    return s;
}

void info(const char* fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    const std::string s = vformat(fmt, args);
    va_end(args);
#ifdef RWKV_CHECKS_QT
    qInfo("%s", s.c_str());
#else
    std::printf("    info: %s\n", s.c_str());
    std::fflush(stdout);
#endif
}

} // namespace rwkv::test
