#pragma once
// Whole models on a GPU device kind: every generation and weight type against the CPU backend
// and the official package's outputs (tests/data/reference), chunking invariance past one
// chunk, exact snapshot restore, layer splits, the device-resident state and the memory meter. The programs
// test_<kind>_model derive from it with their device kind, tolerances and specific rows.
#include "backends/registry.h"
#include "support/gpu_test.h"

namespace rwkv::test {

struct ModelTolerances {
    double (*reference)(DType weights); // max|Δ|/max|ref| against the official package
    double (*cpu)(DType weights);       // NMSE against the CPU backend and between chunkings
};

class DeviceModelTests : public GpuTest {
    Q_OBJECT

protected:
    DeviceModelTests(GpuKind kind, ModelTolerances tolerances) : GpuTest(kind), m_tolerances(tolerances) {}

    const ModelTolerances m_tolerances;
    std::unique_ptr<Device> m_cpu = createDevice("cpu");

private slots:
    void parity_data();
    void parity();
    void chunkingAndSnapshot();
    void splitRuns();
    void residentState();
    void residentStateSplits();
    void memoryMeter();
};

} // namespace rwkv::test
