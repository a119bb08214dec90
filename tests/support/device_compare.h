#pragma once
// Comparing a GPU backend's kernels with the CPU reference: seeded inputs, tensors between
// guard bytes that no kernel may touch, and NMSE = Σ(got − want)² / Σ want².
#include "core/device.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace rwkv::test {

std::vector<float> normals(size_t n, uint32_t seed, float mean = 0.0f, float stddev = 1.0f);
std::vector<float> uniforms(size_t n, uint32_t seed, float lo, float hi);
inline DTensor view(std::vector<float>& v, int64_t rows, int64_t cols) { return {v.data(), DType::F32, rows, cols}; }

// NMSE, or infinity when one side is non-finite where the other is not (or differs).
double nmse(const std::vector<float>& got, const std::vector<float>& want);

// A tensor in device memory with guard bytes of a known pattern on both sides.
class Guarded {
public:
    Guarded(Device& d, DType type, int64_t rows, int64_t cols, const void* init = nullptr);
    Guarded(Device& d, std::vector<float>& v, int64_t rows, int64_t cols) : Guarded(d, DType::F32, rows, cols, v.data()) {}

    // The fp32 values; guardsIntact is false when a kernel wrote outside the tensor.
    std::vector<float> read(Device& d, bool& guardsIntact) const;

    DTensor tensor;

private:
    std::unique_ptr<DeviceBuffer> m_buffer;
};

} // namespace rwkv::test
