#pragma once
// Every Device kernel of a GPU backend against the CPU backend (the reference, itself checked
// against double-precision loops in test_cpu_kernels) on seeded random input, for decode
// (T ≤ 4) and prefill shapes with odd sizes, each device tensor between guard bytes. Free of
// Qt: the programs test_<kind>_kernels run these bodies through QtDeviceKernelTests, the
// Qt-free runner (tests/gpu_runner) through cases().
#include "backends/cpu/cpu_device.h"
#include "support/check.h"
#include "support/device_compare.h"
#include "support/gpu_tolerances.h"

namespace rwkv::test {

class DeviceKernelTests {
public:
    DeviceKernelTests(Device& gpu, KernelTolerances tolerances) : m_gpu(gpu), m_tolerances(tolerances) {}

    struct MatmulRow { int T, I, O; DType type; };
    struct NormRow { int rows, cols, groupSize; };
    struct ShapeRow { int rows, cols, seqs; }; // seqs sequences of `rows` rows each
    struct LerpRow { int rows, cols, mask; }; // mask bit 0: a broadcasts, 1: b, 2: t
    struct UnaryRow { UnaryOp op; int n; };
    struct Wkv57Row { int version, heads, N, T, seqs; }; // version 5 (one decay row), 6 or 7; seqs of T tokens
    struct HeadsRow { int rows, heads, N; };

    static const std::vector<Row<MatmulRow>>& matmulRows();
    static const std::vector<Row<NormRow>>& normRows();
    static const std::vector<Row<ShapeRow>>& tokenShiftRows();
    static const std::vector<Row<LerpRow>>& lerpRows();
    static const std::vector<Row<UnaryRow>>& unaryRows();
    static const std::vector<Row<ShapeRow>>& wkv4Rows(); // rows = T, cols = C
    static const std::vector<Row<Wkv57Row>>& wkv57Rows();
    static const std::vector<Row<HeadsRow>>& rwkv7HeadsRows();

    void matmul(const MatmulRow& r);
    void matmulLargeActivationsFp16();
    void norms(const NormRow& r);
    void tokenShift(const ShapeRow& r);
    void lerpAndBinary(const LerpRow& r);
    void unary(const UnaryRow& r);
    void wkv4(const ShapeRow& r);
    void wkv57(const Wkv57Row& r);
    void rwkv7Heads(const HeadsRow& r);

    // What only one backend checks (device_kernel_extras.cpp).
    void repeatedSequenceReplays(); // CUDA: graph capture and replay
    void outOfMemoryIsAnError();    // CUDA
    void foreignPointerRefused();   // Vulkan

    // Every test of the kind, for the Qt-free runner.
    std::vector<TestCase> cases(const GpuKind& kind);
    // The largest NMSE seen, as a fraction of its tolerance.
    double worstRatio() const { return m_worstRatio; }

private:
    // The device result in g must match the CPU result, guards intact.
    void expectMatch(const Guarded& g, const std::vector<float>& cpu, double tolerance, const std::string& what);
    void checkMatmul(int T, int I, int O, DType type, std::vector<float> x);
    void checkQuantizedMatmul(int T, int I, int O, DType type, const std::vector<float>& x, const std::vector<float>& w);

    Device& m_gpu;
    cpu::CpuDevice m_cpu{2};
    const KernelTolerances m_tolerances;
    double m_worstRatio = 0.0;
};

} // namespace rwkv::test
