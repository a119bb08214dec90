#include "core/weights.h"

#include "core/error.h"
#include "core/quantize.h"
#include "core/quantized_file.h"

namespace rwkv {

DeviceWeights::DeviceWeights(const Checkpoint& checkpoint, Device& device, DType matrixType)
    : m_checkpoint(checkpoint), m_device(device), m_matrixType(matrixType)
{
}

namespace {

std::vector<float> toFloats(const TensorView& t)
{
    std::vector<float> out(static_cast<size_t>(t.numel()));
    convertToFloat(t.bytes.data(), t.dtype, out.size(), out.data());
    return out;
}

// Converts fp32 values to the storage type's little-endian bytes.
std::vector<uint16_t> toHalfBits(std::span<const float> values, DType type)
{
    std::vector<uint16_t> out(values.size());
    for (size_t i = 0; i < values.size(); ++i)
        out[i] = type == DType::BF16 ? floatToBf16(values[i]) : floatToF16(values[i]);
    return out;
}

} // namespace

DTensor DeviceWeights::store(std::vector<float> values, int64_t rows, int64_t cols, DType type)
{
    const DTensor t{nullptr, type, rows, cols};
    if (type == DType::F32) return put(t, values.data());
    if (type == DType::Q8) return put(t, quantizeQ8(values, cols).data());
    return put(t, toHalfBits(values, type).data());
}

DTensor DeviceWeights::put(DTensor t, const void* bytes)
{
    m_buffers.push_back(m_device.allocate(t.bytes()));
    t.data = m_buffers.back()->data();
    m_device.upload(t, bytes);
    m_bytes += t.bytes();
    if (t.rows > 1) {
        m_matrixBytes += t.bytes();
        m_matrixElements += size_t(t.numel());
    }
    return t;
}

DTensor DeviceWeights::vector(const std::string& name)
{
    const TensorView& t = m_checkpoint.at(name);
    return store(toFloats(t), 1, t.numel(), DType::F32);
}

DTensor DeviceWeights::linear(const std::string& name)
{
    const TensorView& t = m_checkpoint.at(name);
    const int64_t cols = t.shape.at(1);
    const bool wholeBlocks = cols % int64_t(kQ8Block) == 0;
    if (t.dtype != DType::I8) return store(toFloats(t), t.shape.at(0), cols, wholeBlocks ? m_matrixType : smallMatrixType());
    // A quantized checkpoint (core/quantized_file.h): int8 as it is, other types from its values.
    const std::vector<std::byte> planar = planarQ8(m_checkpoint, t);
    if (m_matrixType != DType::Q8) return store(dequantizeQ8(planar.data(), size_t(t.numel())), t.shape.at(0), cols, m_matrixType);
    return put({nullptr, DType::Q8, t.shape.at(0), cols}, planar.data());
}

DTensor DeviceWeights::factor(const std::string& name)
{
    const TensorView& t = m_checkpoint.at(name);
    const int64_t in = t.shape.at(0), out = t.shape.at(1);
    const std::vector<float> values = toFloats(t);
    std::vector<float> transposed(values.size());
    for (int64_t i = 0; i < in; ++i)
        for (int64_t o = 0; o < out; ++o) transposed[size_t(o * in + i)] = values[size_t(i * out + o)];
    return store(std::move(transposed), out, in, smallMatrixType());
}

std::vector<float> DeviceWeights::read(const std::string& name) const { return toFloats(m_checkpoint.at(name)); }

DTensor DeviceWeights::upload(std::span<const float> data, int64_t rows, int64_t cols, DType type)
{
    return store(std::vector<float>(data.begin(), data.end()), rows, cols, type);
}

} // namespace rwkv
