#pragma once
// Machine probes that give a benchmark its yardsticks: the memory bandwidth a decode step
// (a chain of weight-streaming GEMVs) is bounded by, and the FMA peak a prefill GEMM is
// bounded by. Both run on every thread of the pool and take about a second.
#include "backends/cpu/thread_pool.h"

namespace rwkv::cpu {

// Streaming read of a 512 MiB buffer by all pool threads, best of several runs, in GB/s
// (1e9 bytes per second).
double measureReadBandwidthGBs(ThreadPool& pool);
// Independent fp32 vector FMA chains on all pool threads with the best SIMD target, in
// GFLOP/s (2 flops per FMA lane).
double measureFmaPeakGflops(ThreadPool& pool);

} // namespace rwkv::cpu
