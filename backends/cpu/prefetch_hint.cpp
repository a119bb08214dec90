#include "backends/cpu/prefetch_hint.h"

#include <cstdlib>
#include <string>

namespace rwkv::cpu {

namespace {

struct Choice {
    PrefetchHint hint;
    std::string description;
};

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

// Measured on three x86 hosts (BENCHMARKS.md): the non-temporal hint, once best on an AMD
// Zen 5, cost up to 2.6x on an Intel Xeon (where none and t0 were best) and up to 2x on an
// AMD EPYC (Zen 4 class, where t1 was best for fp32 and 16-bit weights alike).
Choice vendorDefault()
{
#if defined(__x86_64__) || defined(__i386__)
    if (__builtin_cpu_is("amd")) return {PrefetchHint::T1, "the default on AMD"};
    if (__builtin_cpu_is("intel")) return {PrefetchHint::None, "the default on Intel"};
#endif
    return {PrefetchHint::None, "the default"};
}

Choice choose()
{
    const char* env = std::getenv("RWKV_CPU_PREFETCH");
    const std::string v = env ? env : "";
    const char* why = "set by RWKV_CPU_PREFETCH";
    if (v == "none") return {PrefetchHint::None, why};
    if (v == "t0") return {PrefetchHint::T0, why};
    if (v == "t1") return {PrefetchHint::T1, why};
    if (v == "nta") return {PrefetchHint::Nta, why};
    Choice c = vendorDefault();
    if (!v.empty()) c.description += " (RWKV_CPU_PREFETCH='" + v + "' is not none, t0, t1 or nta)";
    return c;
}

const Choice& chosen()
{
    static const Choice c = [] {
        Choice r = choose();
        r.description = std::string(hintName(r.hint)) + ", " + r.description;
        return r;
    }();
    return c;
}

} // namespace

PrefetchHint decodePrefetchHint() { return chosen().hint; }

const char* decodePrefetchDescription() { return chosen().description.c_str(); }

} // namespace rwkv::cpu
