#pragma once
// The Qt Test face of the shared kernel tests (device_kernel_tests.h): one slot per test,
// each row a Qt data row. The programs test_<kind>_kernels derive from it with their device
// kind and add slots for the tests that only their backend has.
#include "support/device_kernel_tests.h"
#include "support/gpu_test.h"

namespace rwkv::test {

class QtDeviceKernelTests : public GpuTest {
    Q_OBJECT

protected:
    explicit QtDeviceKernelTests(GpuKind kind) : GpuTest(kind) {}
    void opened() override { m_tests = std::make_unique<DeviceKernelTests>(*m_gpu, kernelTolerances(m_kind)); }

    std::unique_ptr<DeviceKernelTests> m_tests;

private slots:
    void cleanupTestCase();
    void matmul_data() { addRows(DeviceKernelTests::matmulRows()); }
    void matmul() { m_tests->matmul(fetchRow(DeviceKernelTests::matmulRows())); }
    void matmulLargeActivationsFp16() { m_tests->matmulLargeActivationsFp16(); }
    void norms_data() { addRows(DeviceKernelTests::normRows()); }
    void norms() { m_tests->norms(fetchRow(DeviceKernelTests::normRows())); }
    void tokenShift_data() { addRows(DeviceKernelTests::tokenShiftRows()); }
    void tokenShift() { m_tests->tokenShift(fetchRow(DeviceKernelTests::tokenShiftRows())); }
    void lerpAndBinary_data() { addRows(DeviceKernelTests::lerpRows()); }
    void lerpAndBinary() { m_tests->lerpAndBinary(fetchRow(DeviceKernelTests::lerpRows())); }
    void unary_data() { addRows(DeviceKernelTests::unaryRows()); }
    void unary() { m_tests->unary(fetchRow(DeviceKernelTests::unaryRows())); }
    void wkv4_data() { addRows(DeviceKernelTests::wkv4Rows()); }
    void wkv4() { m_tests->wkv4(fetchRow(DeviceKernelTests::wkv4Rows())); }
    void wkv57_data() { addRows(DeviceKernelTests::wkv57Rows()); }
    void wkv57() { m_tests->wkv57(fetchRow(DeviceKernelTests::wkv57Rows())); }
    void rwkv7Heads_data() { addRows(DeviceKernelTests::rwkv7HeadsRows()); }
    void rwkv7Heads() { m_tests->rwkv7Heads(fetchRow(DeviceKernelTests::rwkv7HeadsRows())); }
};

} // namespace rwkv::test
