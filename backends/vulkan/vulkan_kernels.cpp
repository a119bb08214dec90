// The Device kernels on Vulkan: argument checks and push constants for each shader in
// shaders/. Push-constant structs mirror the shaders' Params blocks (8-byte addresses first).
#include "backends/vulkan/vulkan_device.h"

#include "core/error.h"

#include <algorithm>
#include <cassert>

namespace rwkv::vulkan {

namespace {

constexpr int64_t kGemvMaxRows = 4;  // matmul_gemv.comp kMaxT
constexpr uint32_t kGemvGroupSize = 128; // matmul_gemv.comp local size
constexpr uint32_t kGemmTile = 64;   // matmul_gemm.comp kTile
constexpr uint32_t kElementGroup = 256;
constexpr uint32_t kColumnGroup = 64;

// unary.comp and binary.comp switch on these numbers.
static_assert(int(UnaryOp::Tanh) == 0 && int(UnaryOp::Sigmoid) == 1 && int(UnaryOp::ReluSquare) == 2
              && int(UnaryOp::Silu) == 3 && int(UnaryOp::Decay6) == 4 && int(UnaryOp::Decay7) == 5);
static_assert(int(BinaryOp::Add) == 0 && int(BinaryOp::Mul) == 1);

uint64_t addr(const DTensor& t) { return reinterpret_cast<uint64_t>(t.data); }
uint32_t u32(int64_t v) { return uint32_t(v); }
uint32_t ceilDiv(int64_t a, uint32_t b) { return uint32_t((a + b - 1) / b); }
uint32_t rowStride(const DTensor& t) { return t.rows == 1 ? 0 : u32(t.cols); }

uint32_t weightTypeId(DType t)
{
    switch (t) {
    case DType::F32: return 0;
    case DType::F16: return 1;
    case DType::BF16: return 2;
    case DType::Q8: return 3;
    case DType::Q4: return 4;
    default: throw Error(ErrorCode::Unsupported, "Vulkan matmul weights must be fp32, fp16, bf16, int8 or q4");
    }
}

struct MatmulPush {
    uint64_t out, in, weight, scales;
    uint32_t T, I, O;
    uint32_t blocking; // GEMV: output rows per workgroup; GEMM: workgroups along O
};
struct NormPush {
    uint64_t out, in, w, b;
    uint32_t cols, groupSize;
    float eps;
};
struct ShiftPush {
    uint64_t out, in, prev;
    uint32_t rows, cols, seqs; // rows per sequence
};
struct LerpPush {
    uint64_t out, a, b, t;
    uint32_t rows, cols, strideA, strideB, strideT;
};
struct UnaryPush {
    uint64_t out, in;
    uint32_t n, op;
};
struct BinaryPush {
    uint64_t out, a, b;
    uint32_t rows, cols, strideB, op;
};
struct Wkv4Push {
    uint64_t y, state, w, u, k, v;
    uint32_t T, C, seqs; // T per sequence
};
struct Wkv5Push {
    uint64_t y, state, r, w, k, v, u;
    uint32_t T, C, wStride;
};
struct Wkv7Push {
    uint64_t y, state, r, w, k, v, alpha, beta;
    uint32_t T, C;
};
struct KeyPrepPush {
    uint64_t k, alpha, beta, a, kK, kA;
    uint32_t C, N;
};
struct BonusPush {
    uint64_t o, r, k, v, rK;
    uint32_t C, N;
};

// The WKV kernels give each head one workgroup of headSize invocations holding a state row.
void checkHeadSize(int headSize, int64_t C)
{
    if (headSize < 1 || headSize > 256 || C % headSize != 0)
        throw Error(ErrorCode::Unsupported, "Vulkan WKV kernels need a head size of 1..256 dividing the width");
}

} // namespace

void VulkanDevice::matmul(const DTensor& out, const DTensor& in, const DTensor& weight)
{
    assert(in.cols == weight.cols && out.cols == weight.rows && out.rows == in.rows);
    const uint32_t type = weightTypeId(weight.dtype);
    const uint64_t scales = isQuantized(weight.dtype) ? addr(weight) + quantizedScalesOffset(weight.dtype, size_t(weight.numel())) : 0;
    MatmulPush p{addr(out), addr(in), addr(weight), scales, u32(in.rows), u32(in.cols), u32(weight.rows), 0};
    if (in.rows <= kGemvMaxRows) {
        // 8 weights per load where rows are whole 16-byte multiples and both start aligned.
        const bool vector = in.cols % 8 == 0 && addr(in) % 16 == 0 && addr(weight) % 16 == 0;
        // Two rows per subgroup: enough loads in flight per subgroup, few workgroups.
        p.blocking = 2 * std::max<uint32_t>(1, kGemvGroupSize / m_subgroupSize);
        dispatch(Shader::MatmulGemv, {type, vector ? 1 : 0}, p, ceilDiv(weight.rows, p.blocking), {in, weight}, {out});
        return;
    }
    p.blocking = ceilDiv(weight.rows, kGemmTile);
    dispatch(Shader::MatmulGemm, {type, 0}, p, uint64_t(p.blocking) * ceilDiv(in.rows, kGemmTile), {in, weight}, {out});
}

void VulkanDevice::layerNorm(const DTensor& out, const DTensor& in, const DTensor& w, const DTensor& b, float eps)
{
    groupNorm(out, in, w, b, int(in.cols), eps);
}

void VulkanDevice::groupNorm(const DTensor& out, const DTensor& in, const DTensor& w, const DTensor& b,
                             int groupSize, float eps)
{
    assert(groupSize > 0 && in.cols % groupSize == 0);
    const NormPush p{addr(out), addr(in), addr(w), addr(b), u32(in.cols), uint32_t(groupSize), eps};
    dispatch(Shader::GroupNorm, {0, 0}, p, uint64_t(in.rows) * uint64_t(in.cols / groupSize), {in, w, b}, {out});
}

void VulkanDevice::tokenShift(const DTensor& out, const DTensor& in, const DTensor& prev)
{
    const ShiftPush p{addr(out), addr(in), addr(prev), u32(in.rows / prev.rows), u32(in.cols), u32(prev.rows)};
    dispatch(Shader::TokenShift, {0, 0}, p, ceilDiv(prev.numel(), kColumnGroup), {in, prev}, {out, prev});
}

void VulkanDevice::lerp(const DTensor& out, const DTensor& a, const DTensor& b, const DTensor& t)
{
    const LerpPush p{addr(out), addr(a), addr(b), addr(t), u32(out.rows), u32(out.cols),
                     rowStride(a), rowStride(b), rowStride(t)};
    dispatch(Shader::Lerp, {0, 0}, p, ceilDiv(out.numel(), kElementGroup), {a, b, t}, {out});
}

void VulkanDevice::unary(UnaryOp op, const DTensor& out, const DTensor& in)
{
    const UnaryPush p{addr(out), addr(in), u32(in.numel()), uint32_t(op)};
    dispatch(Shader::Unary, {0, 0}, p, ceilDiv(in.numel(), kElementGroup), {in}, {out});
}

void VulkanDevice::binary(BinaryOp op, const DTensor& out, const DTensor& a, const DTensor& b)
{
    const BinaryPush p{addr(out), addr(a), addr(b), u32(out.rows), u32(out.cols), rowStride(b), uint32_t(op)};
    dispatch(Shader::Binary, {0, 0}, p, ceilDiv(out.numel(), kElementGroup), {a, b}, {out});
}

void VulkanDevice::wkv4(const DTensor& y, const DTensor& state, const DTensor& w, const DTensor& u, const DTensor& k,
                        const DTensor& v)
{
    const int64_t seqs = state.rows / 3;
    const Wkv4Push p{addr(y), addr(state), addr(w), addr(u), addr(k), addr(v), u32(k.rows / seqs), u32(k.cols), u32(seqs)};
    dispatch(Shader::Wkv4, {0, 0}, p, ceilDiv(seqs * k.cols, kColumnGroup), {state, w, u, k, v}, {y, state});
}

void VulkanDevice::wkv5(const DTensor& y, const DTensor& state, const DTensor& r, const DTensor& w, const DTensor& k,
                        const DTensor& v, const DTensor& u, int headSize)
{
    checkHeadSize(headSize, r.cols);
    const int64_t seqs = state.rows / r.cols; // one workgroup per head of each sequence
    const Wkv5Push p{addr(y), addr(state), addr(r), addr(w), addr(k), addr(v), addr(u),
                     u32(r.rows / seqs), u32(r.cols), rowStride(w)};
    dispatch(Shader::Wkv5, {uint32_t(headSize), 0}, p, uint64_t(seqs * (r.cols / headSize)), {state, r, w, k, v, u},
             {y, state});
}

void VulkanDevice::rwkv7KeyPrep(const DTensor& k, const DTensor& alpha, const DTensor& beta, const DTensor& a,
                                const DTensor& kK, const DTensor& kA, int headSize)
{
    const KeyPrepPush p{addr(k), addr(alpha), addr(beta), addr(a), addr(kK), addr(kA), u32(k.cols), uint32_t(headSize)};
    dispatch(Shader::Rwkv7KeyPrep, {0, 0}, p, uint64_t(k.rows) * uint64_t(k.cols / headSize), {k, a, kK, kA},
             {k, alpha, beta});
}

void VulkanDevice::wkv7(const DTensor& y, const DTensor& state, const DTensor& r, const DTensor& w, const DTensor& k,
                        const DTensor& v, const DTensor& alpha, const DTensor& beta, int headSize)
{
    checkHeadSize(headSize, r.cols);
    const int64_t seqs = state.rows / r.cols; // one workgroup per head of each sequence
    const Wkv7Push p{addr(y), addr(state), addr(r), addr(w), addr(k), addr(v), addr(alpha), addr(beta),
                     u32(r.rows / seqs), u32(r.cols)};
    dispatch(Shader::Wkv7, {uint32_t(headSize), 0}, p, uint64_t(seqs * (r.cols / headSize)),
             {state, r, w, k, v, alpha, beta}, {y, state});
}

void VulkanDevice::rwkv7Bonus(const DTensor& o, const DTensor& r, const DTensor& k, const DTensor& v,
                              const DTensor& rK, int headSize)
{
    const BonusPush p{addr(o), addr(r), addr(k), addr(v), addr(rK), u32(o.cols), uint32_t(headSize)};
    dispatch(Shader::Rwkv7Bonus, {0, 0}, p, uint64_t(o.rows) * uint64_t(o.cols / headSize), {o, r, k, v, rK}, {o});
}

} // namespace rwkv::vulkan
