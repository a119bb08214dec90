#pragma once
// Model weights resident on one device, converted from checkpoint tensors once at load.
// A matrix already in its storage type is used in place from the mapped file on host-memory
// devices (the CPU) where it starts on a cache line, and uploaded straight from the mapping elsewhere; converted tensors'
// mapped pages are dropped as loading goes, so loading needs about the final weights' memory.
// The checkpoint may be closed once the model is built (in-place weights keep its mapping).
#include "core/checkpoint.h"
#include "core/device.h"

#include <memory>
#include <span>
#include <string>
#include <vector>

namespace rwkv {

// Where a matrix must start in the mapped file to be used in place (a cache line); elsewhere it
// is copied into an aligned buffer.
inline constexpr size_t kInPlaceAlignment = 64;

class DeviceWeights {
public:
    // Matrices are stored in matrixType (fp32, fp16, bf16, Q8 or Q4, see linear and factor);
    // vectors always in fp32.
    DeviceWeights(const Checkpoint& checkpoint, Device& device, DType matrixType);

    // A 1×n fp32 vector (squeezes (1,1,n) and flattens (H,N)).
    DTensor vector(const std::string& name);
    // An nn.Linear weight [out, in], as stored; in smallMatrixType() when Q8 or Q4 is asked for
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
    // The type of the small LoRA factors: matrixType, but fp16 under Q8 and Q4 (design.md "int8 weights").
    DType smallMatrixType() const { return isQuantized(m_matrixType) ? DType::F16 : m_matrixType; }
    // Device bytes of all weights uploaded so far.
    size_t bytes() const { return m_bytes; }
    // Bytes of matrices (what a decoded token streams through).
    size_t matrixBytes() const { return m_matrixBytes; }
    // Elements of those matrices.
    size_t matrixElements() const { return m_matrixElements; }
    // Of bytes(), those used in place from the mapped checkpoint.
    size_t mappedBytes() const { return m_mappedBytes; }

private:
    // A tensor's values as fp32; its mapped pages are dropped (Checkpoint::releasePages).
    std::vector<float> toFloats(const TensorView& t) const;
    DTensor store(std::vector<float> values, int64_t rows, int64_t cols, DType type);
    // Allocates t on the device, uploads `bytes` in t's type and counts them.
    DTensor put(DTensor t, const void* bytes);
    // `bytes` already in t's type: in place on host memory where aligned for it, else put.
    DTensor asStored(std::span<const std::byte> bytes, DTensor t);
    // A quantized checkpoint's matrix (core/quantized_file.h): as stored under its own type
    // (I8 → Q8, U8 → Q4), else decoded.
    DTensor quantized(const TensorView& values, int64_t rows, int64_t cols);
    void count(const DTensor& t);

    const Checkpoint& m_checkpoint;
    Device& m_device;
    DType m_matrixType;
    std::vector<std::unique_ptr<DeviceBuffer>> m_buffers;
    std::shared_ptr<const void> m_mapping; // set once a weight is used in place
    size_t m_bytes = 0;
    size_t m_matrixBytes = 0;
    size_t m_matrixElements = 0;
    size_t m_mappedBytes = 0;
};

} // namespace rwkv
