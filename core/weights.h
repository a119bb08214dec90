#pragma once
// Model weights resident on one device, converted from checkpoint tensors once at load.
// The checkpoint is only read while loading; it may be closed once the model is built.
#include "core/checkpoint.h"
#include "core/device.h"

#include <memory>
#include <string>
#include <vector>

namespace rwkv {

class DeviceWeights {
public:
    // Matrices are stored in matrixType (fp32, fp16, bf16 or Q8, see linear and factor);
    // vectors always in fp32.
    DeviceWeights(const Checkpoint& checkpoint, Device& device, DType matrixType);

    // A 1×n fp32 vector (squeezes (1,1,n) and flattens (H,N)).
    DTensor vector(const std::string& name);
    // An nn.Linear weight [out, in], as stored; in smallMatrixType() when Q8 is asked for
    // and `in` is not a whole number of blocks.
    DTensor linear(const std::string& name);
    // A raw `x @ M` factor stored (in, out), transposed to [out, in] so matmul serves both;
    // in smallMatrixType().
    DTensor factor(const std::string& name);
    // A checkpoint tensor widened to fp32, flattened, for weights prepared at load time.
    std::vector<float> read(const std::string& name) const;
    // Uploads an already prepared fp32 matrix.
    DTensor upload(std::span<const float> data, int64_t rows, int64_t cols, DType type);

    Device& device() const { return m_device; }
    DType matrixType() const { return m_matrixType; }
    // The type of the small LoRA factors: matrixType, but fp16 under Q8 (design.md "int8 weights").
    DType smallMatrixType() const { return m_matrixType == DType::Q8 ? DType::F16 : m_matrixType; }
    // Device bytes of all weights uploaded so far.
    size_t bytes() const { return m_bytes; }
    // Bytes of matrices (what a decoded token streams through).
    size_t matrixBytes() const { return m_matrixBytes; }
    // Elements of those matrices.
    size_t matrixElements() const { return m_matrixElements; }

private:
    DTensor store(std::vector<float> values, int64_t rows, int64_t cols, DType type);
    // Allocates t on the device, uploads `bytes` in t's type and counts them.
    DTensor put(DTensor t, const void* bytes);

    const Checkpoint& m_checkpoint;
    Device& m_device;
    DType m_matrixType;
    std::vector<std::unique_ptr<DeviceBuffer>> m_buffers;
    size_t m_bytes = 0;
    size_t m_matrixBytes = 0;
    size_t m_matrixElements = 0;
};

} // namespace rwkv
