// Probes are written with the same Highway dispatch as the kernels, so the FMA peak is the
// one the kernels can actually reach on this machine.
#include "backends/cpu/probes.h"

#include "backends/cpu/aligned_buffer.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "backends/cpu/probes.cpp"
#include <hwy/foreach_target.h> // IWYU pragma: keep
#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
namespace rwkv::cpu::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Sums n floats with four independent accumulators; the sum keeps the loads alive.
HWY_NOINLINE float streamSum(const float* data, size_t n)
{
    const hn::ScalableTag<float> d;
    const size_t N = hn::Lanes(d);
    auto a0 = hn::Zero(d), a1 = hn::Zero(d), a2 = hn::Zero(d), a3 = hn::Zero(d);
    size_t i = 0;
    for (; i + 4 * N <= n; i += 4 * N) {
        a0 = hn::Add(a0, hn::LoadU(d, data + i));
        a1 = hn::Add(a1, hn::LoadU(d, data + i + N));
        a2 = hn::Add(a2, hn::LoadU(d, data + i + 2 * N));
        a3 = hn::Add(a3, hn::LoadU(d, data + i + 3 * N));
    }
    float s = hn::GetLane(hn::SumOfLanes(d, hn::Add(hn::Add(a0, a1), hn::Add(a2, a3))));
    for (; i < n; ++i) s += data[i];
    return s;
}

// Twelve independent FMA chains cover FMA latency × FMA ports on current cores (4 × 2)
// and still fit 16-register targets. Returns flops done.
HWY_NOINLINE double fmaChains(int64_t iterations, float* sink)
{
    const hn::ScalableTag<float> d;
    const auto m = hn::Set(d, 0.9999999f), c = hn::Set(d, 1e-7f);
    auto a0 = hn::Set(d, 1.0f), a1 = hn::Set(d, 1.1f), a2 = hn::Set(d, 1.2f), a3 = hn::Set(d, 1.3f);
    auto a4 = hn::Set(d, 1.4f), a5 = hn::Set(d, 1.5f), a6 = hn::Set(d, 1.6f), a7 = hn::Set(d, 1.7f);
    auto a8 = hn::Set(d, 1.8f), a9 = hn::Set(d, 1.9f), a10 = hn::Set(d, 2.0f), a11 = hn::Set(d, 2.1f);
    for (int64_t it = 0; it < iterations; ++it) {
        a0 = hn::MulAdd(a0, m, c), a1 = hn::MulAdd(a1, m, c), a2 = hn::MulAdd(a2, m, c);
        a3 = hn::MulAdd(a3, m, c), a4 = hn::MulAdd(a4, m, c), a5 = hn::MulAdd(a5, m, c);
        a6 = hn::MulAdd(a6, m, c), a7 = hn::MulAdd(a7, m, c), a8 = hn::MulAdd(a8, m, c);
        a9 = hn::MulAdd(a9, m, c), a10 = hn::MulAdd(a10, m, c), a11 = hn::MulAdd(a11, m, c);
    }
    const auto s = hn::Add(hn::Add(hn::Add(a0, a1), hn::Add(a2, a3)), hn::Add(hn::Add(a4, a5), hn::Add(a6, a7)));
    *sink = hn::GetLane(hn::SumOfLanes(d, hn::Add(s, hn::Add(hn::Add(a8, a9), hn::Add(a10, a11)))));
    return double(iterations) * 12.0 * double(hn::Lanes(d)) * 2.0;
}

// Splits [0, n) into one contiguous share per pool thread.
void perThread(ThreadPool& pool, int64_t n, const std::function<void(int64_t, int64_t)>& fn)
{
    pool.parallelFor(n, (n + pool.size() - 1) / pool.size(), fn);
}

// One timed read of data[0, n) by all pool threads; returns seconds.
double readPass(ThreadPool& pool, const float* data, size_t n)
{
    std::atomic<float> sink{0.0f};
    const auto t0 = std::chrono::steady_clock::now();
    perThread(pool, int64_t(n), [&](int64_t b, int64_t e) {
        sink.store(streamSum(data + b, size_t(e - b)), std::memory_order_relaxed);
    });
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// One timed FMA run on every pool thread; returns GFLOP/s.
double fmaPass(ThreadPool& pool, int64_t iterations)
{
    std::atomic<double> flops{0.0};
    std::atomic<float> results{0.0f}; // keeps the chains' results, so they cannot be elided
    const auto t0 = std::chrono::steady_clock::now();
    perThread(pool, pool.size(), [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) {
            float result = 0.0f;
            flops.fetch_add(fmaChains(iterations, &result));
            results.store(result, std::memory_order_relaxed);
        }
    });
    return flops.load() / std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() * 1e-9;
}

} // namespace rwkv::cpu::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace rwkv::cpu {

HWY_EXPORT(readPass);
HWY_EXPORT(fmaPass);

double measureReadBandwidthGBs(ThreadPool& pool)
{
    constexpr size_t kBytes = size_t(512) << 20;
    constexpr size_t kFloats = kBytes / sizeof(float);
    const AlignedFloats buffer = allocateAlignedFloats(kFloats);
    float* data = buffer.get();
    // First touch from the reading threads, so pages are really mapped (and near them).
    pool.parallelFor(int64_t(kFloats), int64_t(kFloats) / pool.size() + 1,
                     [&](int64_t b, int64_t e) { std::fill(data + b, data + e, 1.0f); });
    double best = 0.0;
    for (int run = 0; run < 5; ++run)
        best = std::max(best, double(kBytes) / HWY_DYNAMIC_DISPATCH(readPass)(pool, data, kFloats) * 1e-9);
    return best;
}

double measureFmaPeakGflops(ThreadPool& pool)
{
    constexpr int64_t kIterations = int64_t(1) << 23;
    double best = 0.0;
    for (int run = 0; run < 3; ++run) best = std::max(best, HWY_DYNAMIC_DISPATCH(fmaPass)(pool, kIterations));
    return best;
}

} // namespace rwkv::cpu
#endif
