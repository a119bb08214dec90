#include "backends/vulkan/shaders.h"

#include <iterator>

namespace rwkv::vulkan {

namespace {

// Each .spv.inc is a comma-separated list of SPIR-V words (glslc -mfmt=num).
const uint32_t kMatmulGemv[] = {
#include "matmul_gemv.spv.inc"
};
const uint32_t kMatmulGemm[] = {
#include "matmul_gemm.spv.inc"
};
const uint32_t kGroupNorm[] = {
#include "group_norm.spv.inc"
};
const uint32_t kTokenShift[] = {
#include "token_shift.spv.inc"
};
const uint32_t kLerp[] = {
#include "lerp.spv.inc"
};
const uint32_t kUnary[] = {
#include "unary.spv.inc"
};
const uint32_t kBinary[] = {
#include "binary.spv.inc"
};
const uint32_t kWkv4[] = {
#include "wkv4.spv.inc"
};
const uint32_t kWkv5[] = {
#include "wkv5.spv.inc"
};
const uint32_t kWkv7[] = {
#include "wkv7.spv.inc"
};
const uint32_t kRwkv7KeyPrep[] = {
#include "rwkv7_key_prep.spv.inc"
};
const uint32_t kRwkv7Bonus[] = {
#include "rwkv7_bonus.spv.inc"
};

} // namespace

std::span<const uint32_t> shaderCode(Shader shader)
{
    switch (shader) {
    case Shader::MatmulGemv: return kMatmulGemv;
    case Shader::MatmulGemm: return kMatmulGemm;
    case Shader::GroupNorm: return kGroupNorm;
    case Shader::TokenShift: return kTokenShift;
    case Shader::Lerp: return kLerp;
    case Shader::Unary: return kUnary;
    case Shader::Binary: return kBinary;
    case Shader::Wkv4: return kWkv4;
    case Shader::Wkv5: return kWkv5;
    case Shader::Wkv7: return kWkv7;
    case Shader::Rwkv7KeyPrep: return kRwkv7KeyPrep;
    case Shader::Rwkv7Bonus: return kRwkv7Bonus;
    case Shader::Count: break;
    }
    return {};
}

} // namespace rwkv::vulkan
