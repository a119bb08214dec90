#pragma once
// Overflow-checked size arithmetic for sizes read from untrusted files: element counts, byte
// counts, offsets and indices. Every helper answers nullopt instead of wrapping around, so a
// hostile size can never turn into a small allocation that is then written past.
#include <cstdint>
#include <optional>
#include <span>

namespace rwkv {

inline std::optional<uint64_t> checkedMul(uint64_t a, uint64_t b)
{
    uint64_t out = 0;
    if (__builtin_mul_overflow(a, b, &out)) return std::nullopt;
    return out;
}

inline std::optional<uint64_t> checkedAdd(uint64_t a, uint64_t b)
{
    uint64_t out = 0;
    if (__builtin_add_overflow(a, b, &out)) return std::nullopt;
    return out;
}

// Elements of a tensor of this shape. nullopt for a negative dimension, or when the product
// of the non-zero dimensions passes INT64_MAX: a zero dimension must not hide huge others,
// since code downstream multiplies dimensions (rows × columns) as int64 without checks.
inline std::optional<uint64_t> elementCount(std::span<const int64_t> shape)
{
    uint64_t nonZero = 1;
    bool empty = false;
    for (const int64_t d : shape) {
        if (d < 0) return std::nullopt;
        if (d == 0) {
            empty = true;
            continue;
        }
        const auto next = checkedMul(nonZero, uint64_t(d));
        if (!next || *next > uint64_t(INT64_MAX)) return std::nullopt;
        nonZero = *next;
    }
    return empty ? 0 : nonZero;
}

} // namespace rwkv
