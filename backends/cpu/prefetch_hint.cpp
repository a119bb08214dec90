#include "backends/cpu/prefetch_hint.h"

#include <cstdlib>
#include <string>

namespace rwkv::cpu {

namespace {

constexpr size_t kStreams = 6; // RowStream's values, in order
const char* const kStreamNames[kStreams] = {"fp32 groups", "fp16 groups", "bf16 groups", "fp16 one-row", "bf16 one-row", "int8/q4 rows"};

struct Choice {
    PrefetchHint hints[kStreams]; // by RowStream
    std::string description;
};

const char* shortName(PrefetchHint h)
{
    switch (h) {
    case PrefetchHint::None: return "none";
    case PrefetchHint::T0: return "t0";
    case PrefetchHint::T1: return "t1";
    case PrefetchHint::Nta: return "nta";
    }
    return "?";
}

const char* hintName(PrefetchHint h)
{
    switch (h) {
    case PrefetchHint::None: return "none (hardware prefetchers only)";
    case PrefetchHint::T0: return "t0 (into L1)";
    case PrefetchHint::T1: return "t1 (into L2)";
    case PrefetchHint::Nta: return "nta (non-temporal)";
    }
    return "?";
}

// Measured on five x86 hosts (BENCHMARKS.md): the non-temporal hint, once best on an AMD
// Zen 5, cost up to 2.6x on an Intel Xeon and up to 2x on an AMD EPYC (Zen 4 class). On the
// Xeon t1 (into L2) was the best or within 3 % of it for every row kind, 1 and 2 threads. On
// an AMD EPYC without AVX-512 (Zen 3) none was ahead of t1 in 23 of 24 rows, by up to 13 %:
// its hardware prefetchers keep up with one-row streams, and the hints only take load slots.
// Rows used in place from the mapped file measured otherwise on a Zen 2 EPYC: t1 made int8/q4
// decode 20-30 % faster than none, and nta was 1-4 % ahead of t1 for bf16 (3-8 % on an aged
// page cache of the file). On a Zen 4 EPYC none beat t1 by 4-18 % for one-row 16-bit
// streams at one thread (level at two), while the four interleaved rows of the grouped loop
// ran 1.3-1.4x faster with t1 (fp32) and 1.8-2.1x (a batched bf16/fp16 step), int8 1.15x.
// Elsewhere (ARM) the hardware prefetchers alone, as no other hint has been measured there.
Choice platformDefault()
{
    using enum PrefetchHint;
#if defined(__x86_64__) || defined(__i386__)
    if (__builtin_cpu_is("amd")) {
        if (__builtin_cpu_supports("avx512f")) return {{T1, T1, T1, None, None, T1}, "the default on AMD CPUs with AVX-512"};
        if (__builtin_cpu_is("amdfam17h")) return {{None, None, Nta, None, Nta, T1}, "the default on AMD Zen 1-2"};
        return {{None, None, None, None, None, T1}, "the default on AMD CPUs without AVX-512"};
    }
    return {{T1, T1, T1, T1, T1, T1}, "the default on x86"};
#else
    return {{None, None, None, None, None, None}, "the default"};
#endif
}

Choice choose()
{
    const char* env = std::getenv("RWKV_CPU_PREFETCH");
    const std::string v = env ? env : "";
    for (const PrefetchHint h : {PrefetchHint::None, PrefetchHint::T0, PrefetchHint::T1, PrefetchHint::Nta})
        if (v == shortName(h)) return {{h, h, h, h, h, h}, "set by RWKV_CPU_PREFETCH"};
    Choice c = platformDefault();
    if (!v.empty()) c.description += " (RWKV_CPU_PREFETCH='" + v + "' is not none, t0, t1 or nta)";
    return c;
}

// "t1 (into L2) for fp32 groups, int8/q4 rows; none (...) for fp16 one-row, bf16 one-row;
// <why>", or one hint alone where every stream takes it.
std::string describe(const Choice& c)
{
    std::string text;
    for (size_t k = 0; k < kStreams; ++k) {
        bool first = true;
        for (size_t j = 0; j < k; ++j) first = first && c.hints[j] != c.hints[k];
        if (!first) continue;
        std::string streams;
        size_t count = 0;
        for (size_t j = k; j < kStreams; ++j)
            if (c.hints[j] == c.hints[k]) streams += (count++ ? ", " : "") + std::string(kStreamNames[j]);
        text += (text.empty() ? "" : "; ") + std::string(hintName(c.hints[k]));
        if (count < kStreams) text += " for " + streams;
    }
    return text + "; " + c.description;
}

const Choice& chosen()
{
    static const Choice c = [] {
        Choice r = choose();
        r.description = describe(r);
        return r;
    }();
    return c;
}

} // namespace

PrefetchHint decodePrefetchHint(RowStream stream) { return chosen().hints[size_t(stream)]; }

const char* decodePrefetchDescription() { return chosen().description.c_str(); }

} // namespace rwkv::cpu
