#pragma once
// The locality hint of decode's software prefetch of weight rows, chosen once per process
// from the CPU's architecture; RWKV_CPU_PREFETCH=none|t0|t1|nta overrides it (for measuring).
// Why the defaults: BENCHMARKS.md, "Decode prefetch hint" (issue 17).
namespace rwkv::cpu {

enum class PrefetchHint { None, T0, T1, Nta };

// Which decode loop streams the rows, and what they hold: groups of four interleaved rows
// (fp32 rows, and 16-bit rows for a batched step or a short row), one 16-bit row at a time
// (one input), or int8/4-bit rows (one row at a time).
enum class RowStream { Fp32Groups, Fp16Groups, Bf16Groups, Fp16Row, Bf16Row, IntRows };

PrefetchHint decodePrefetchHint(RowStream stream);
// E.g. "t1 (into L2); the default on x86", for rwkv-cli info and bench.
const char* decodePrefetchDescription();

} // namespace rwkv::cpu
