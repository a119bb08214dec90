#pragma once
// The CPU backend: the reference every other backend is tested against. fp32 math on
// fp32, fp16, bf16, int8 (Q8) or 4-bit (Q4) weights; all cores through a ThreadPool.
#include "backends/cpu/thread_pool.h"
#include "core/device.h"

namespace rwkv::cpu {

// The machine's hardware threads (at least 1).
int hardwareThreads();
// The threads a CPU device runs with when `requested` are asked for: 0 (or less) means all
// hardware threads, and more than the hardware has are capped (they would only wait for each other).
int effectiveThreads(int requested);
// "cpu (AVX3, 2 threads)": the name of a CPU device with `threads` threads.
std::string cpuDeviceName(int threads);

class CpuDevice final : public Device {
public:
    // Runs effectiveThreads(threads) threads.
    explicit CpuDevice(int threads = 0);

    std::string name() const override;
    bool hostMemory() const override { return true; }
    int threads() const { return m_pool.size(); }
    // The SIMD target in use and the kernels' main choices, for `rwkv-cli info` and `bench`:
    // "AVX3 target; bf16 prefill: AVX512-BF16 dot products, …; decode prefetch: …".
    static std::string kernelSummary();

    std::unique_ptr<DeviceBuffer> allocate(size_t bytes) override;
    void upload(const DTensor& dst, const void* host) override;
    void download(void* host, const DTensor& src) override;

    void matmul(const DTensor& out, const DTensor& in, const DTensor& weight) override;
    void layerNorm(const DTensor& out, const DTensor& in, const DTensor& w, const DTensor& b, float eps) override;
    void groupNorm(const DTensor& out, const DTensor& in, const DTensor& w, const DTensor& b, int groupSize,
                   float eps) override;
    void tokenShift(const DTensor& out, const DTensor& in, const DTensor& prev) override;
    void lerp(const DTensor& out, const DTensor& a, const DTensor& b, const DTensor& t) override;
    void unary(UnaryOp op, const DTensor& out, const DTensor& in) override;
    void binary(BinaryOp op, const DTensor& out, const DTensor& a, const DTensor& b) override;
    void wkv4(const DTensor& y, const DTensor& state, const DTensor& w, const DTensor& u, const DTensor& k,
              const DTensor& v) override;
    void wkv5(const DTensor& y, const DTensor& state, const DTensor& r, const DTensor& w, const DTensor& k,
              const DTensor& v, const DTensor& u, int headSize) override;
    void rwkv7KeyPrep(const DTensor& k, const DTensor& alpha, const DTensor& beta, const DTensor& a,
                      const DTensor& kK, const DTensor& kA, int headSize) override;
    void wkv7(const DTensor& y, const DTensor& state, const DTensor& r, const DTensor& w, const DTensor& k,
              const DTensor& v, const DTensor& alpha, const DTensor& beta, int headSize) override;
    void rwkv7Bonus(const DTensor& o, const DTensor& r, const DTensor& k, const DTensor& v, const DTensor& rK,
                    int headSize) override;

private:
    ThreadPool m_pool;
};

} // namespace rwkv::cpu
