#pragma once
// The SPIR-V of every kernel, compiled by glslc at build time (shaders/*.comp).
#include <cstddef>
#include <cstdint>
#include <span>

namespace rwkv::vulkan {

enum class Shader {
    MatmulGemv,
    MatmulGemm,
    GroupNorm,
    TokenShift,
    Lerp,
    Unary,
    Binary,
    Wkv4,
    Wkv5,
    Wkv7,
    Rwkv7KeyPrep,
    Rwkv7Bonus,
    Count,
};

std::span<const uint32_t> shaderCode(Shader shader);

} // namespace rwkv::vulkan
