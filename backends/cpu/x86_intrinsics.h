#pragma once
// What the target-attributed x86 paths (gemm_bf16.cpp, gemm_amx.cpp) share: <immintrin.h>
// without GCC 12's false alarms, and the environment switches that turn them on or off.
#include <cstdlib>
#include <cstring>

#if defined(__x86_64__)
#if defined(__GNUC__) && !defined(__clang__)
// GCC 12's own headers trip -Wuninitialized through _mm*_undefined_*() once inlined
// (GCC bug 105593, fixed in 13).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
#endif

namespace rwkv::cpu {

// The environment variable `name`: "1" → true, "0" → false, unset or anything else → fallback.
inline bool environmentSwitch(const char* name, bool fallback)
{
    const char* value = std::getenv(name);
    if (value && std::strcmp(value, "1") == 0) return true;
    if (value && std::strcmp(value, "0") == 0) return false;
    return fallback;
}

} // namespace rwkv::cpu
