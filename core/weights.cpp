#include "core/weights.h"

#include "core/error.h"
#include "core/quantize.h"

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
    DTensor t{nullptr, type, rows, cols};
    m_buffers.push_back(m_device.allocate(t.bytes()));
    t.data = m_buffers.back()->data();
    if (type == DType::F32) {
        m_device.upload(t, values.data());
    } else if (type == DType::Q8) {
        m_device.upload(t, quantizeQ8(values, cols).data());
    } else {
        const std::vector<uint16_t> bits = toHalfBits(values, type);
        m_device.upload(t, bits.data());
    }
    m_bytes += t.bytes();
    if (rows > 1) {
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
    return store(toFloats(t), t.shape.at(0), cols, wholeBlocks ? m_matrixType : smallMatrixType());
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
