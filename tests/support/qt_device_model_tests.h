#pragma once
// The Qt Test face of the shared model tests (device_model_tests.h): one slot per test, each
// row a Qt data row; the chunking test runs on the demo model. The programs test_<kind>_model
// derive from it with their device kind and add slots for the tests only their backend has.
#include "support/device_model_tests.h"
#include "support/gpu_test.h"
#include "support/test_support.h"

namespace rwkv::test {

class QtDeviceModelTests : public GpuTest {
    Q_OBJECT

protected:
    explicit QtDeviceModelTests(GpuKind kind) : GpuTest(kind) {}
    void opened() override
    {
        m_tests = std::make_unique<DeviceModelTests>(*m_gpu, modelTolerances(m_kind), demoModelPath());
    }

    std::unique_ptr<DeviceModelTests> m_tests;

private slots:
    void parity_data() { addRows(DeviceModelTests::parityRows()); }
    void parity() { m_tests->parity(fetchRow(DeviceModelTests::parityRows())); }
    void chunkingAndSnapshot() { m_tests->chunkingAndSnapshot(); }
    void splitRuns() { m_tests->splitRuns(); }
    void residentState() { m_tests->residentState(); }
    void residentStateSplits() { m_tests->residentStateSplits(); }
    void batched_data() { addRows(DeviceModelTests::batchedRows()); }
    void batched() { m_tests->batched(fetchRow(DeviceModelTests::batchedRows())); }
    void memoryMeter() { m_tests->memoryMeter(); }
    void quantized_data() { addRows(DeviceModelTests::quantizedRows()); }
    void quantized() { m_tests->quantized(fetchRow(DeviceModelTests::quantizedRows())); }
};

} // namespace rwkv::test
