#pragma once
// Every Device kernel of a GPU backend against the CPU backend (the reference, itself checked
// against double-precision loops in test_cpu_kernels) on seeded random input, for decode
// (T ≤ 4) and prefill shapes with odd sizes, each device tensor between guard bytes. The
// programs test_<kind>_kernels derive from it with their device kind, tolerances and the rows
// that only their backend has.
#include "backends/cpu/cpu_device.h"
#include "support/device_compare.h"
#include "support/gpu_test.h"

namespace rwkv::test {

// NMSE bounds, set by each backend from how its arithmetic differs from the CPU's.
struct KernelTolerances {
    double (*matmul)(DType weights, int tokens);
    double norm, lerp, unary, wkv, rwkv7Heads;
};

class DeviceKernelTests : public GpuTest {
    Q_OBJECT

protected:
    DeviceKernelTests(GpuKind kind, KernelTolerances tolerances) : GpuTest(kind), m_tolerances(tolerances) {}

    // The device result in g must match the CPU result, guards intact.
    void expectMatch(const Guarded& g, const std::vector<float>& cpu, double tolerance, const char* what);
    void checkMatmul(int T, int I, int O, DType type, std::vector<float> x);

    cpu::CpuDevice m_cpu{2};
    const KernelTolerances m_tolerances;

private:
    double m_worstRatio = 0.0; // largest NMSE seen, as a fraction of its tolerance

private slots:
    void cleanupTestCase();
    void matmul_data();
    void matmul();
    void matmulLargeActivationsFp16();
    void norms_data();
    void norms();
    void tokenShift_data();
    void tokenShift();
    void lerpAndBinary_data();
    void lerpAndBinary();
    void unary_data();
    void unary();
    void wkv4_data();
    void wkv4();
    void wkv57_data();
    void wkv57();
    void rwkv7Heads_data();
    void rwkv7Heads();
};

} // namespace rwkv::test
