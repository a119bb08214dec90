#include "core/dtype.h"

#include <cassert>
#include <cmath>

namespace rwkv {

size_t dtypeSize(DType t)
{
    switch (t) {
    case DType::F32: case DType::I32: return 4;
    case DType::F16: case DType::BF16: return 2;
    case DType::F64: case DType::I64: return 8;
    case DType::U8: case DType::Q8: case DType::I8: case DType::Q4: return 1;
    }
    return 0;
}

std::string_view dtypeName(DType t)
{
    switch (t) {
    case DType::F32: return "fp32";
    case DType::F16: return "fp16";
    case DType::BF16: return "bf16";
    case DType::F64: return "fp64";
    case DType::I64: return "i64";
    case DType::I32: return "i32";
    case DType::U8: return "u8";
    case DType::Q8: return "int8";
    case DType::I8: return "i8";
    case DType::Q4: return "q4";
    }
    return "?";
}

size_t storageBytes(DType t, size_t numel)
{
    if (t == DType::Q8) return numel + numel / kQ8Block * 2;
    if (t == DType::Q4) return numel / 2 + numel / kQ4Block * 2;
    return numel * dtypeSize(t);
}

float f16ToFloat(uint16_t h)
{
    const uint32_t sign = uint32_t(h & 0x8000u) << 16;
    const uint32_t exp = (h >> 10) & 0x1fu;
    const uint32_t man = h & 0x3ffu;
    if (exp == 0) {
        // Zero or subnormal: value = man * 2^-24.
        const float v = std::ldexp(float(man), -24);
        return sign ? -v : v;
    }
    if (exp == 31) return std::bit_cast<float>(sign | 0x7f800000u | (man << 13));
    return std::bit_cast<float>(sign | ((exp + 112) << 23) | (man << 13));
}

uint16_t floatToF16(float f)
{
    const uint32_t u = std::bit_cast<uint32_t>(f);
    const uint16_t sign = uint16_t((u >> 16) & 0x8000u);
    const float a = std::fabs(f);
    if (std::isnan(f)) return uint16_t(sign | 0x7e00u);
    if (a >= 65520.0f) return uint16_t(sign | 0x7c00u); // rounds to infinity
    if (a < 6.103515625e-05f) {
        // Subnormal range: quantise to multiples of 2^-24 with round-to-nearest-even.
        return uint16_t(sign | uint16_t(std::nearbyint(a * 16777216.0f)));
    }
    uint32_t m = std::bit_cast<uint32_t>(a);
    m += 0xfffu + ((m >> 13) & 1u);
    return uint16_t(sign | uint16_t(((m >> 23) - 112) << 10) | uint16_t((m >> 13) & 0x3ffu));
}

void convertToFloat(const void* src, DType t, size_t n, float* dst)
{
    const auto* p = static_cast<const unsigned char*>(src);
    switch (t) {
    case DType::F32: std::memcpy(dst, p, n * 4); return;
    case DType::BF16:
        for (size_t i = 0; i < n; ++i) { uint16_t v; std::memcpy(&v, p + 2 * i, 2); dst[i] = bf16ToFloat(v); }
        return;
    default:
        for (size_t i = 0; i < n; ++i) dst[i] = loadAsFloat(src, t, i);
    }
}

float loadAsFloat(const void* data, DType t, size_t i)
{
    const auto* p = static_cast<const unsigned char*>(data);
    switch (t) {
    case DType::F32: { float v; std::memcpy(&v, p + 4 * i, 4); return v; }
    case DType::F64: { double v; std::memcpy(&v, p + 8 * i, 8); return float(v); }
    case DType::F16: { uint16_t v; std::memcpy(&v, p + 2 * i, 2); return f16ToFloat(v); }
    case DType::BF16: { uint16_t v; std::memcpy(&v, p + 2 * i, 2); return bf16ToFloat(v); }
    default: assert(false && "loadAsFloat: not a float type"); return 0.0f;
    }
}

} // namespace rwkv
