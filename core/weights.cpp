#include "core/weights.h"

#include "core/error.h"
#include "core/parallel_range.h"
#include "core/quantize.h"
#include "core/quantized_file.h"

#include <cstdint>

namespace rwkv {

DeviceWeights::DeviceWeights(const Checkpoint& checkpoint, Device& device, DType matrixType)
    : m_checkpoint(checkpoint), m_device(device), m_matrixType(matrixType)
{
}

namespace {

// Converts fp32 values to the storage type's little-endian bytes.
std::vector<uint16_t> toHalfBits(std::span<const float> values, DType type)
{
    std::vector<uint16_t> out(values.size());
    for (size_t i = 0; i < values.size(); ++i)
        out[i] = type == DType::BF16 ? floatToBf16(values[i]) : floatToF16(values[i]);
    return out;
}

} // namespace

std::vector<float> DeviceWeights::toFloats(const TensorView& t) const
{
    std::vector<float> out(static_cast<size_t>(t.numel()));
    const size_t size = dtypeSize(t.dtype);
    parallelRange(int64_t(out.size()), int64_t(1) << 18, [&](int64_t a, int64_t b) {
        convertToFloat(t.bytes.data() + size_t(a) * size, t.dtype, size_t(b - a), out.data() + a);
    });
    m_checkpoint.releasePages(t.bytes);
    return out;
}

DTensor DeviceWeights::store(std::vector<float> values, int64_t rows, int64_t cols, DType type)
{
    const DTensor t{nullptr, type, rows, cols};
    if (type == DType::F32) return put(t, values.data());
    if (type == DType::Q8) return put(t, quantizeQ8(values, cols).data());
    if (type == DType::Q4) return put(t, quantizeQ4(values, cols).data());
    return put(t, toHalfBits(values, type).data());
}

DTensor DeviceWeights::put(DTensor t, const void* bytes)
{
    m_buffers.push_back(m_device.allocate(t.bytes()));
    t.data = m_buffers.back()->data();
    m_device.upload(t, bytes);
    count(t);
    return t;
}

DTensor DeviceWeights::asStored(std::span<const std::byte> bytes, DTensor t)
{
    // In place only from a cache-line boundary: rows that straddle lines cost the decode kernels
    // split loads (a 0.1B bf16 file whose tensors start 16 bytes past a line decoded at 40
    // tokens/s in place and 50 copied on a Zen 2 EPYC; at a line boundary, as fast in place).
    if (!m_device.hostMemory() || uintptr_t(bytes.data()) % kInPlaceAlignment != 0) {
        const DTensor d = put(t, bytes.data());
        m_checkpoint.releasePages(bytes);
        return d;
    }
    // Read-only like all weights (the mapping is PROT_READ, so a stray write would fault).
    t.data = const_cast<std::byte*>(bytes.data());
    if (!m_mapping) m_mapping = m_checkpoint.keepAlive();
    m_mappedBytes += t.bytes();
    count(t);
    return t;
}

void DeviceWeights::count(const DTensor& t)
{
    m_bytes += t.bytes();
    if (t.rows > 1) {
        m_matrixBytes += t.bytes();
        m_matrixElements += size_t(t.numel());
    }
}

DTensor DeviceWeights::vector(const std::string& name)
{
    const TensorView& t = m_checkpoint.at(name);
    return store(toFloats(t), 1, t.numel(), DType::F32);
}

DTensor DeviceWeights::linear(const std::string& name)
{
    const TensorView& t = m_checkpoint.at(name);
    const int64_t rows = t.shape.at(0), cols = logicalColumns(t);
    static_assert(kQ8Block == kQ4Block);
    const DType type = cols % int64_t(kQ8Block) == 0 ? m_matrixType : smallMatrixType();
    if (t.dtype == DType::I8 || t.dtype == DType::U8) return quantized(t, rows, cols);
    if (t.dtype == type) return asStored(t.bytes, {nullptr, type, rows, cols});
    return store(toFloats(t), rows, cols, type);
}

DTensor DeviceWeights::quantized(const TensorView& values, int64_t rows, int64_t cols)
{
    const TensorView& scales = checkScales(m_checkpoint, values);
    const DType storedType = quantizedDeviceType(values.dtype);
    const std::byte* q = values.bytes.data();
    if (m_matrixType == storedType && scales.bytes.data() == q + values.bytes.size()) // planar in the file
        return asStored({q, values.bytes.size() + scales.bytes.size()}, {nullptr, storedType, rows, cols});
    const std::vector<std::byte> planar = planarQuantized(values, scales);
    m_checkpoint.releasePages(values.bytes);
    m_checkpoint.releasePages(scales.bytes);
    if (m_matrixType == storedType) return put({nullptr, storedType, rows, cols}, planar.data());
    const size_t numel = size_t(rows * cols);
    return store(storedType == DType::Q4 ? dequantizeQ4(planar.data(), numel) : dequantizeQ8(planar.data(), numel), rows,
                 cols, m_matrixType);
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
