#include "backends/cpu/prefetch_hint.h"

#include <cstdlib>
#include <string>

namespace rwkv::cpu {

namespace {

struct Choice {
    PrefetchHint hint;          // fp32 and fp16 rows
    PrefetchHint bf16Hint;      // bf16 rows
    PrefetchHint quantizedHint; // int8 and 4-bit rows
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

// Measured on four x86 hosts (BENCHMARKS.md): the non-temporal hint, once best on an AMD
// Zen 5, cost up to 2.6x on an Intel Xeon and up to 2x on an AMD EPYC (Zen 4 class). t1 (into
// L2) was the best or within 3 % of it for fp32, fp16 and bf16 rows on both of the latter, 1 and
// 2 threads; none was up to 1.4x slower on the Xeon for 16-bit weights. On an AMD EPYC without
// AVX-512 (Zen 3) none was ahead of t1 in 23 of 24 rows, by up to 13 %: its hardware
// prefetchers keep up, and the hints only take load slots, so AMD CPUs without AVX-512
// (Zen 1-3) take none for those. Rows used in place from the mapped file measured otherwise
// on a Zen 2 EPYC: t1 made int8/q4 decode 20-30 % faster than none (nta 1-6 % behind t1 for
// q4, level for int8), and bf16 2-16 %, with nta 1-4 % ahead of t1 for bf16 (3-8 % on an aged
// page cache of the file), so Zen 1-2 take nta for bf16 rows; fp16/fp32 rows
// there stay 3-25 % faster with none. Elsewhere (ARM) the hardware prefetchers alone, as no
// other hint has been measured there.
Choice platformDefault()
{
#if defined(__x86_64__) || defined(__i386__)
    if (__builtin_cpu_is("amd") && !__builtin_cpu_supports("avx512f")) {
        const bool zen2 = __builtin_cpu_is("amdfam17h"); // Zen 1 and 2
        return {PrefetchHint::None, zen2 ? PrefetchHint::Nta : PrefetchHint::None, PrefetchHint::T1,
                zen2 ? "the default on AMD Zen 1-2" : "the default on AMD CPUs without AVX-512"};
    }
    return {PrefetchHint::T1, PrefetchHint::T1, PrefetchHint::T1, "the default on x86"};
#else
    return {PrefetchHint::None, PrefetchHint::None, PrefetchHint::None, "the default"};
#endif
}

Choice choose()
{
    const char* env = std::getenv("RWKV_CPU_PREFETCH");
    const std::string v = env ? env : "";
    const char* why = "set by RWKV_CPU_PREFETCH";
    for (const PrefetchHint h : {PrefetchHint::None, PrefetchHint::T0, PrefetchHint::T1, PrefetchHint::Nta})
        if (v == shortName(h)) return {h, h, h, why};
    Choice c = platformDefault();
    if (!v.empty()) c.description += " (RWKV_CPU_PREFETCH='" + v + "' is not none, t0, t1 or nta)";
    return c;
}

const Choice& chosen()
{
    static const Choice c = [] {
        Choice r = choose();
        std::string hints = hintName(r.hint);
        if (r.bf16Hint != r.hint || r.quantizedHint != r.hint)
            hints += std::string(" for fp32/fp16") + (r.bf16Hint == r.hint ? "/bf16" : "") + " rows"
                     + (r.bf16Hint != r.hint ? std::string(", ") + hintName(r.bf16Hint) + " for bf16 rows" : "")
                     + (r.quantizedHint != r.hint ? std::string(", ") + hintName(r.quantizedHint) + " for int8/q4 rows" : "");
        r.description = hints + ", " + r.description;
        return r;
    }();
    return c;
}

} // namespace

PrefetchHint decodePrefetchHint(RowKind rows)
{
    switch (rows) {
    case RowKind::Float: return chosen().hint;
    case RowKind::Bf16: return chosen().bf16Hint;
    case RowKind::BlockQuantized: return chosen().quantizedHint;
    }
    return chosen().hint;
}

const char* decodePrefetchDescription() { return chosen().description.c_str(); }

} // namespace rwkv::cpu
