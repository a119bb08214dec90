#pragma once
// Whole models on a GPU device kind: every generation and weight type against the CPU backend
// and the official package's outputs (tests/data/reference), chunking invariance past one
// chunk, exact snapshot restore, layer splits, the device-resident state, the batched step, the
// memory meter and int8 / q4 weights against the fp32 model they decode to.
// Free of Qt: the programs test_<kind>_model run these bodies through QtDeviceModelTests, the
// Qt-free runner (tests/gpu_runner) through cases().
#include "backends/registry.h"
#include "support/check.h"
#include "support/gpu_tolerances.h"

#include <filesystem>

namespace rwkv::test {

class DeviceModelTests {
public:
    // chunkModel: the checkpoint of chunkingAndSnapshot (more than one chunk of a real vocabulary:
    // the demo model, or a make-random one in the Qt-free runner); empty: that test skips.
    DeviceModelTests(Device& gpu, ModelTolerances tolerances, std::filesystem::path chunkModel)
        : m_gpu(gpu), m_tolerances(tolerances), m_chunkModel(std::move(chunkModel))
    {
    }

    struct ParityRow { std::string caseName; DType type; };
    static const std::vector<Row<ParityRow>>& parityRows();

    void parity(const ParityRow& r);
    void chunkingAndSnapshot();
    void splitRuns();
    void residentState();
    void residentStateSplits();
    // Model::forwardBatch on the device equals forward() one State at a time (device_model_batched.cpp).
    struct BatchedRow { std::string caseName; };
    static const std::vector<Row<BatchedRow>>& batchedRows();
    void batched(const BatchedRow& r);
    void memoryMeter();
    static const std::vector<Row<ParityRow>>& quantizedRows(); // the same cases as int8 and q4
    void quantized(const ParityRow& r);
    void missingDeviceIsAClearError(); // Vulkan's device ids

    // Every test of the kind, for the Qt-free runner.
    std::vector<TestCase> cases(const GpuKind& kind);

private:
    Device& m_gpu;
    const ModelTolerances m_tolerances;
    const std::filesystem::path m_chunkModel;
    std::unique_ptr<Device> m_cpu = createDevice("cpu");
};

} // namespace rwkv::test
