#pragma once
// The locality hint of decode's software prefetch of weight rows, chosen once per process
// from the CPU's architecture; RWKV_CPU_PREFETCH=none|t0|t1|nta overrides it (for measuring).
// Why the defaults: BENCHMARKS.md, "Decode prefetch hint" (issue 17).
namespace rwkv::cpu {

enum class PrefetchHint { None, T0, T1, Nta };

// What the rows being streamed hold.
enum class RowKind { Fp32, Fp16, Bf16, BlockQuantized }; // the last: int8 or 4-bit

PrefetchHint decodePrefetchHint(RowKind rows);
// E.g. "t1 (into L2), the default on x86", for rwkv-cli info and bench.
const char* decodePrefetchDescription();

} // namespace rwkv::cpu
