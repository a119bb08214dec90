#pragma once
// Float arrays aligned for the widest SIMD registers and for cache lines. Standard aligned new
// rather than hwy::AllocateAligned, so the backend also builds where there is no Highway
// runtime library to link (the Windows cross build: compile-time SIMD targets only).
#include <cstddef>
#include <memory>
#include <new>

namespace rwkv::cpu {

inline constexpr std::align_val_t kSimdAlignment{64};

struct AlignedFloatsDelete {
    void operator()(float* p) const { ::operator delete[](p, kSimdAlignment); }
};
using AlignedFloats = std::unique_ptr<float[], AlignedFloatsDelete>;

// `count` uninitialised floats, 64-byte aligned.
inline AlignedFloats allocateAlignedFloats(size_t count)
{
    return AlignedFloats(static_cast<float*>(::operator new[](count * sizeof(float), kSimdAlignment)));
}

} // namespace rwkv::cpu
