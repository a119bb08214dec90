// The Device kernels on CUDA against the CPU backend (support/device_kernel_tests.h), and
// what only the CUDA backend has: CUDA graph replay and out-of-memory errors.
#include "core/error.h"
#include "support/device_kernel_tests.h"

#include <QtTest>

using namespace rwkv;
using namespace rwkv::test;

namespace {

// GEMV and fp32 GEMM read the same rounded weights as the CPU and sum in fp32: only the order
// of summation differs. Prefill with 16-bit weights also rounds the activations to the weight
// type for the tensor cores: NMSE ≈ u²/3 (u = 2⁻¹¹ fp16, 2⁻⁸ bf16), with 10× headroom.
double matmulTolerance(DType weights, int T)
{
    if (weights == DType::F32) return 1e-10;
    if (T <= 4) return 1e-9;
    return weights == DType::F16 ? 1e-6 : 5e-5;
}

} // namespace

class TestCudaKernels : public DeviceKernelTests {
    Q_OBJECT

public:
    // Norm, lerp, unary, WKV and RWKV-7 head kernels: fp32, only summation order and ulps differ.
    TestCudaKernels() : DeviceKernelTests(kCuda, {matmulTolerance, 1e-10, 1e-12, 1e-12, 1e-11, 1e-12}) {}

private slots:
    // A repeated sequence (a decode step) is captured as a CUDA graph at its second run and
    // replayed from the third; every run must compute on its own inputs.
    void repeatedSequenceReplays()
    {
        const int C = 256;
        std::vector<float> w = normals(size_t(C) * C, 11, 0.0f, 0.1f);
        Guarded gw(*m_gpu, w, C, C), gx(*m_gpu, DType::F32, 1, C), gh(*m_gpu, DType::F32, 1, C), gy(*m_gpu, DType::F32, 1, C);
        for (uint32_t step = 0; step < 5; ++step) {
            std::vector<float> x = normals(size_t(C), 100 + step), h(x.size()), want(x.size());
            m_gpu->upload(gx.tensor, x.data());
            m_gpu->matmul(gh.tensor, gx.tensor, gw.tensor);
            m_gpu->unary(UnaryOp::Tanh, gh.tensor, gh.tensor);
            m_gpu->binary(BinaryOp::Add, gy.tensor, gh.tensor, gx.tensor);
            m_cpu.matmul(view(h, 1, C), view(x, 1, C), view(w, C, C));
            m_cpu.unary(UnaryOp::Tanh, view(h, 1, C), view(h, 1, C));
            m_cpu.binary(BinaryOp::Add, view(want, 1, C), view(h, 1, C), view(x, 1, C));
            expectMatch(gy, want, 1e-10, qPrintable(QStringLiteral("step %1").arg(step)));
        }
    }

    // Running out of memory is an Error(OutOfMemory); the device keeps working.
    void outOfMemoryIsAnError()
    {
        try {
            (void)m_gpu->allocate(size_t(1) << 52);
            QFAIL("a 4 PiB allocation succeeded");
        } catch (const Error& e) {
            QCOMPARE(e.code(), ErrorCode::OutOfMemory);
        }
        std::vector<float> x = normals(64, 3), want = x;
        Guarded gx(*m_gpu, x, 1, 64), gy(*m_gpu, DType::F32, 1, 64);
        m_gpu->binary(BinaryOp::Add, gy.tensor, gx.tensor, gx.tensor);
        for (float& f : want) f += f;
        expectMatch(gy, want, 0.0, "add after an out-of-memory error");
    }
};

QTEST_GUILESS_MAIN(TestCudaKernels)
#include "test_cuda_kernels.moc"
