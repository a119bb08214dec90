#pragma once
// Splits [0, n) into one contiguous range per hardware thread (at most n / minPerThread of
// them) and runs fn(begin, end) on each, the last on the calling thread; returns when all are
// done. For load-time work over independent elements (quantizing, converting, filling random
// tensors), where results must not depend on the thread count: each element is computed alone.
#include <algorithm>
#include <cstdint>
#include <thread>
#include <vector>

namespace rwkv {

template <typename Fn>
void parallelRange(int64_t n, int64_t minPerThread, Fn&& fn)
{
    const int64_t threads = std::clamp<int64_t>(n / std::max<int64_t>(1, minPerThread), 1,
                                                std::max(1u, std::thread::hardware_concurrency()));
    std::vector<std::jthread> helpers;
    for (int64_t k = 0; k + 1 < threads; ++k) helpers.emplace_back([&fn, n, k, threads] { fn(n * k / threads, n * (k + 1) / threads); });
    fn(n * (threads - 1) / threads, n);
}

} // namespace rwkv
