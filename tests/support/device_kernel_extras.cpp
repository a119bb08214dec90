// The kernel tests that only one backend runs, and the list of a kind's tests.
#include "core/error.h"
#include "support/device_kernel_tests.h"

#include <string_view>

namespace rwkv::test {

// A repeated sequence (a decode step) is captured as a CUDA graph at its second run and
// replayed from the third; every run must compute on its own inputs.
void DeviceKernelTests::repeatedSequenceReplays()
{
    const int C = 256;
    std::vector<float> w = normals(size_t(C) * C, 11, 0.0f, 0.1f);
    Guarded gw(m_gpu, w, C, C), gx(m_gpu, DType::F32, 1, C), gh(m_gpu, DType::F32, 1, C), gy(m_gpu, DType::F32, 1, C);
    for (uint32_t step = 0; step < 5; ++step) {
        std::vector<float> x = normals(size_t(C), 100 + step), h(x.size()), want(x.size());
        m_gpu.upload(gx.tensor, x.data());
        m_gpu.matmul(gh.tensor, gx.tensor, gw.tensor);
        m_gpu.unary(UnaryOp::Tanh, gh.tensor, gh.tensor);
        m_gpu.binary(BinaryOp::Add, gy.tensor, gh.tensor, gx.tensor);
        m_cpu.matmul(view(h, 1, C), view(x, 1, C), view(w, C, C));
        m_cpu.unary(UnaryOp::Tanh, view(h, 1, C), view(h, 1, C));
        m_cpu.binary(BinaryOp::Add, view(want, 1, C), view(h, 1, C), view(x, 1, C));
        expectMatch(gy, want, 1e-10, format("step %u", step));
    }
}

// Running out of memory is an Error(OutOfMemory); the device keeps working.
void DeviceKernelTests::outOfMemoryIsAnError()
{
    try {
        (void)m_gpu.allocate(size_t(1) << 52);
        RWKV_FAIL("a 4 PiB allocation succeeded");
    } catch (const Error& e) {
        RWKV_COMPARE(e.code(), ErrorCode::OutOfMemory);
    }
    std::vector<float> x = normals(64, 3), want = x;
    Guarded gx(m_gpu, x, 1, 64), gy(m_gpu, DType::F32, 1, 64);
    m_gpu.binary(BinaryOp::Add, gy.tensor, gx.tensor, gx.tensor);
    for (float& f : want) f += f;
    expectMatch(gy, want, 0.0, "add after an out-of-memory error");
}

// Memory the device did not allocate is refused, not written.
void DeviceKernelTests::foreignPointerRefused()
{
    std::vector<float> host(4);
    RWKV_THROWS(Error, m_gpu.upload(view(host, 1, 4), host.data()));
}

std::vector<TestCase> DeviceKernelTests::cases(const GpuKind& kind)
{
    std::vector<TestCase> c{
        dataCase("matmul", matmulRows(), [this](const MatmulRow& r) { matmul(r); }),
        plainCase("matmulLargeActivationsFp16", [this] { matmulLargeActivationsFp16(); }),
        dataCase("norms", normRows(), [this](const NormRow& r) { norms(r); }),
        dataCase("tokenShift", tokenShiftRows(), [this](const ShapeRow& r) { tokenShift(r); }),
        dataCase("lerpAndBinary", lerpRows(), [this](const LerpRow& r) { lerpAndBinary(r); }),
        dataCase("unary", unaryRows(), [this](const UnaryRow& r) { unary(r); }),
        dataCase("wkv4", wkv4Rows(), [this](const ShapeRow& r) { wkv4(r); }),
        dataCase("wkv57", wkv57Rows(), [this](const Wkv57Row& r) { wkv57(r); }),
        dataCase("rwkv7Heads", rwkv7HeadsRows(), [this](const HeadsRow& r) { rwkv7Heads(r); }),
    };
    if (std::string_view(kind.prefix) == kCuda.prefix) {
        c.push_back(plainCase("repeatedSequenceReplays", [this] { repeatedSequenceReplays(); }));
        c.push_back(plainCase("outOfMemoryIsAnError", [this] { outOfMemoryIsAnError(); }));
    } else {
        c.push_back(plainCase("foreignPointerRefused", [this] { foreignPointerRefused(); }));
    }
    return c;
}

} // namespace rwkv::test
