#include "backends/cpu/cpu_device.h"

#include "backends/cpu/aligned_buffer.h"
#include "backends/cpu/gemm_amx.h"
#include "backends/cpu/gemm_bf16.h"
#include "backends/cpu/kernels.h"
#include "backends/cpu/simd_dispatch.h"
#include "core/error.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <thread>

#ifdef __linux__
#include <sys/mman.h>
#endif

namespace rwkv::cpu {

namespace {

constexpr size_t kAlignment = size_t(kSimdAlignment);

// Large weight buffers on 2 MiB pages where the kernel leaves it to madvise (a common
// transparent-huge-page setting): fewer TLB misses while decode streams them, measured up to
// 6 % faster decode on an Intel Xeon (BENCHMARKS.md). Only whole 2 MiB pages inside the buffer;
// a hint, so a refusal changes nothing.
void adviseHugePages([[maybe_unused]] void* data, [[maybe_unused]] size_t bytes)
{
#ifdef __linux__
    constexpr uintptr_t kHuge = uintptr_t(2) << 20;
    const uintptr_t first = (uintptr_t(data) + kHuge - 1) & ~(kHuge - 1);
    const uintptr_t end = (uintptr_t(data) + bytes) & ~(kHuge - 1);
    if (end > first) ::madvise(reinterpret_cast<void*>(first), end - first, MADV_HUGEPAGE);
#endif
}

class HostBuffer final : public DeviceBuffer {
public:
    explicit HostBuffer(size_t bytes) : m_size(bytes)
    {
        // Aligned new rather than std::aligned_alloc, which the Windows C runtime lacks.
        m_data = ::operator new(std::max(kAlignment, (bytes + kAlignment - 1) / kAlignment * kAlignment), kSimdAlignment,
                                std::nothrow);
        if (!m_data)
            throw Error(ErrorCode::OutOfMemory, "out of host memory allocating " + std::to_string(bytes >> 20) + " MiB");
        adviseHugePages(m_data, bytes);
    }
    ~HostBuffer() override { ::operator delete(m_data, kSimdAlignment); }
    void* data() override { return m_data; }
    size_t size() const override { return m_size; }

private:
    void* m_data;
    size_t m_size;
};

} // namespace

int hardwareThreads()
{
    const unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 1 : int(n);
}

int effectiveThreads(int requested)
{
    return requested <= 0 ? hardwareThreads() : std::min(requested, hardwareThreads());
}

std::string CpuDevice::kernelSummary()
{
    const KernelChoices k = kernelChoices();
    std::string bf16 = "fp32 FMA on widened weights";
    switch (bf16DotState()) {
    case Bf16DotState::NotBuilt: bf16 += " (AVX512-BF16 path not in this build)"; break;
    case Bf16DotState::NoCpu: bf16 += " (no AVX512-BF16 on this CPU)"; break;
    case Bf16DotState::Off: bf16 += " (AVX512-BF16 dot products: opt-in, RWKV_CPU_BF16_DOT=1)"; break;
    case Bf16DotState::On:
        bf16 = k.bf16DotTarget ? "AVX512-BF16 dot products, activations rounded to bf16 (RWKV_CPU_BF16_DOT=1)"
                               : bf16 + " (AVX512-BF16 dot products need an AVX-512 target)";
        break;
    }
    switch (amxState()) {
    case AmxState::NotBuilt: bf16 += ", AMX path not in this build"; break;
    case AmxState::NoCpu: bf16 += ", no AMX on this CPU"; break;
    case AmxState::NoOs: bf16 += ", AMX refused by the OS"; break;
    case AmxState::Off: bf16 += ", AMX off (RWKV_CPU_AMX=0)"; break;
    case AmxState::On:
        bf16 = k.bf16DotTarget ? "AMX tiles, activations split into three bf16 (RWKV_CPU_AMX=0 turns it off)"
                               : bf16 + ", AMX needs an AVX-512 target";
        break;
    }
    return std::string(k.target) + " target; bf16 prefill: " + bf16 + "; decode prefetch: " + k.prefetchHint + ", "
        + std::to_string(k.groupPrefetchBytes / 1024) + " KiB ahead in 4-row groups, "
        + std::to_string(k.rowPrefetchBytes / 1024) + " KiB in one-row streams";
}

std::string cpuDeviceName(int threads)
{
    return "cpu (" + std::string(kernelChoices().target) + ", " + std::to_string(threads) + (threads == 1 ? " thread)" : " threads)");
}

// RWKV_CPU_TARGET=AVX2 (or another name of availableSimdTargets()) runs every kernel on that
// target, so a narrower CPU's path can be measured on this one (BENCHMARKS.md); applied when
// the first CPU device is made. An unknown name is ignored: info and bench print the target used.
static void applySimdTargetFromEnvironment()
{
    static const bool applied = [] {
        const char* name = std::getenv("RWKV_CPU_TARGET");
        return name && forceSimdTarget(name);
    }();
    (void)applied;
}

CpuDevice::CpuDevice(int threads) : m_pool(effectiveThreads(threads)) { applySimdTargetFromEnvironment(); }

std::string CpuDevice::name() const { return cpuDeviceName(m_pool.size()); }

std::unique_ptr<DeviceBuffer> CpuDevice::allocate(size_t bytes) { return std::make_unique<HostBuffer>(bytes); }

void CpuDevice::upload(const DTensor& dst, const void* host) { std::memcpy(dst.data, host, dst.bytes()); }

void CpuDevice::download(void* host, const DTensor& src) { std::memcpy(host, src.data, src.bytes()); }

void CpuDevice::matmul(const DTensor& out, const DTensor& in, const DTensor& weight)
{
    matmulKernel(m_pool, out, in, weight);
}

void CpuDevice::layerNorm(const DTensor& out, const DTensor& in, const DTensor& w, const DTensor& b, float eps)
{
    groupNormKernel(out, in, w, b, int(in.cols), eps);
}

void CpuDevice::groupNorm(const DTensor& out, const DTensor& in, const DTensor& w, const DTensor& b, int groupSize,
                          float eps)
{
    groupNormKernel(out, in, w, b, groupSize, eps);
}

void CpuDevice::tokenShift(const DTensor& out, const DTensor& in, const DTensor& prev)
{
    const size_t rowBytes = size_t(in.cols) * 4;
    const int64_t T = in.rows / prev.rows; // tokens per sequence
    for (int64_t b = 0; b < prev.rows; ++b) {
        float* o = out.f32() + b * T * in.cols;
        const float* x = in.f32() + b * T * in.cols;
        float* p = prev.f32() + b * in.cols;
        std::memcpy(o, p, rowBytes);
        if (T > 1) std::memcpy(o + in.cols, x, rowBytes * size_t(T - 1));
        std::memcpy(p, x + (T - 1) * in.cols, rowBytes);
    }
}

void CpuDevice::lerp(const DTensor& out, const DTensor& a, const DTensor& b, const DTensor& t)
{
    lerpKernel(out, a, b, t);
}

void CpuDevice::unary(UnaryOp op, const DTensor& out, const DTensor& in) { unaryKernel(op, out, in); }

void CpuDevice::binary(BinaryOp op, const DTensor& out, const DTensor& a, const DTensor& b)
{
    binaryKernel(op, out, a, b);
}

void CpuDevice::wkv4(const DTensor& y, const DTensor& state, const DTensor& w, const DTensor& u, const DTensor& k,
                     const DTensor& v)
{
    wkv4Kernel(m_pool, y, state, w, u, k, v);
}

void CpuDevice::wkv5(const DTensor& y, const DTensor& state, const DTensor& r, const DTensor& w, const DTensor& k,
                     const DTensor& v, const DTensor& u, int headSize)
{
    wkv5Kernel(m_pool, y, state, r, w, k, v, u, headSize);
}

void CpuDevice::rwkv7KeyPrep(const DTensor& k, const DTensor& alpha, const DTensor& beta, const DTensor& a,
                             const DTensor& kK, const DTensor& kA, int headSize)
{
    rwkv7KeyPrepKernel(k, alpha, beta, a, kK, kA, headSize);
}

void CpuDevice::wkv7(const DTensor& y, const DTensor& state, const DTensor& r, const DTensor& w, const DTensor& k,
                     const DTensor& v, const DTensor& alpha, const DTensor& beta, int headSize)
{
    wkv7Kernel(m_pool, y, state, r, w, k, v, alpha, beta, headSize);
}

void CpuDevice::rwkv7Bonus(const DTensor& o, const DTensor& r, const DTensor& k, const DTensor& v, const DTensor& rK,
                           int headSize)
{
    rwkv7BonusKernel(o, r, k, v, rK, headSize);
}

} // namespace rwkv::cpu
