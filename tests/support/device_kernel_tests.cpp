#include "support/device_kernel_tests.h"

#include "core/quantize.h"
#include "support/weight_decode.h"

#include <algorithm>
#include <cmath>

namespace rwkv::test {

namespace {

std::vector<uint16_t> halfBits(const std::vector<float>& w, DType type)
{
    std::vector<uint16_t> out(w.size());
    for (size_t i = 0; i < w.size(); ++i) out[i] = type == DType::BF16 ? floatToBf16(w[i]) : floatToF16(w[i]);
    return out;
}

} // namespace

void DeviceKernelTests::expectMatch(const Guarded& g, const std::vector<float>& cpu, double tolerance, const std::string& what)
{
    bool guardsIntact = false;
    const std::vector<float> got = g.read(m_gpu, guardsIntact);
    RWKV_CHECK2(guardsIntact, what + " wrote outside its tensor");
    const double e = nmse(got, cpu);
    if (tolerance > 0.0) m_worstRatio = std::max(m_worstRatio, e / tolerance);
    RWKV_CHECK2(e <= tolerance, format("%s: NMSE %g > %g", what.c_str(), e, tolerance));
}

void DeviceKernelTests::checkMatmul(int T, int I, int O, DType type, std::vector<float> x)
{
    const uint32_t seed = uint32_t(T * 1000003 + I * 1009 + O);
    std::vector<float> w = normals(size_t(O) * I, seed + 1, 0.0f, 0.2f);
    if (isQuantized(type)) return checkQuantizedMatmul(T, I, O, type, x, w);
    const std::vector<uint16_t> half = halfBits(w, type);
    const void* bits = type == DType::F32 ? static_cast<const void*>(w.data()) : half.data();
    std::vector<float> want(size_t(T) * O);
    m_cpu.matmul(view(want, T, O), view(x, T, I), DTensor{const_cast<void*>(bits), type, O, I});
    Guarded gx(m_gpu, x, T, I), gw(m_gpu, type, O, I, bits), gy(m_gpu, DType::F32, T, O);
    m_gpu.matmul(gy.tensor, gx.tensor, gw.tensor);
    expectMatch(gy, want, m_tolerances.matmul(type, T), "matmul");
}

// int8 / q4 weights against the tests' own decoder (weight_decode.h) and a double-precision
// loop: the CPU backend rounds decode inputs to integers, which the GPUs do not.
void DeviceKernelTests::checkQuantizedMatmul(int T, int I, int O, DType type, const std::vector<float>& x,
                                             const std::vector<float>& w)
{
    const std::vector<std::byte> bits = type == DType::Q4 ? quantizeQ4(w, I) : quantizeQ8(w, I);
    const size_t numel = w.size();
    std::vector<double> decoded(numel);
    for (size_t e = 0; e < numel; ++e) decoded[e] = decodeQuantized(type == DType::Q4, bits, numel, e);
    std::vector<float> want(size_t(T) * O);
    for (int t = 0; t < T; ++t)
        for (int o = 0; o < O; ++o) {
            double sum = 0;
            for (int i = 0; i < I; ++i) sum += double(x[size_t(t) * I + i]) * decoded[size_t(o) * I + i];
            want[size_t(t) * O + o] = float(sum);
        }
    Guarded gx(m_gpu, DType::F32, T, I, x.data()), gw(m_gpu, type, O, I, bits.data()),
        gy(m_gpu, DType::F32, T, O);
    m_gpu.matmul(gy.tensor, gx.tensor, gw.tensor);
    expectMatch(gy, want, m_tolerances.matmul(type, T), "matmul");
}

const std::vector<Row<DeviceKernelTests::MatmulRow>>& DeviceKernelTests::matmulRows()
{
    static const std::vector<Row<MatmulRow>> rows = [] {
        std::vector<Row<MatmulRow>> v;
    // Vulkan: T ≤ 4 takes the GEMV shader (8-wide loads when I % 8 == 0; I = 320 and 1024 reach
    // its four-loads-in-flight loop, 320 also its tail), larger T the tiled GEMM (partial tiles
    // at 5, 65, 130). CUDA: I = 64 and 768 take the GEMV's 16-byte vector path, 7 and 333 its
    // scalar path; larger T cuBLAS.
        for (DType type : {DType::F32, DType::F16, DType::BF16})
            for (int T : {1, 2, 4, 5, 65, 130})
                for (int I : {7, 64, 320, 333, 768, 1024})
                    for (int O : {1, 66, 257})
                        v.push_back({format("%s T%d I%d O%d", dtypeName(type).data(), T, I, O), {T, I, O, type}});
        // int8 / q4: whole blocks of 32 only (core/quantize.h); 320 = 10 blocks also reaches the
        // Vulkan GEMV's tail.
        for (DType type : {DType::Q8, DType::Q4})
            for (int T : {1, 2, 4, 5, 65, 130})
                for (int I : {64, 320, 768, 1024})
                    for (int O : {1, 66, 257})
                        v.push_back({format("%s T%d I%d O%d", dtypeName(type).data(), T, I, O), {T, I, O, type}});
        return v;
    }();
    return rows;
}

void DeviceKernelTests::matmul(const MatmulRow& r)
{
    checkMatmul(r.T, r.I, r.O, r.type, normals(size_t(r.T) * r.I, uint32_t(r.T * 1000003 + r.I * 1009 + r.O)));
}

// Activations beyond fp16's range (relu² of the channel mix): CUDA scales them before
// rounding them for the tensor cores.
void DeviceKernelTests::matmulLargeActivationsFp16()
{
    std::vector<float> x = normals(size_t(9) * 256, 77, 0.0f, 30000.0f);
    x[5] = 2.0e6f;
    checkMatmul(9, 256, 130, DType::F16, x);
}

const std::vector<Row<DeviceKernelTests::NormRow>>& DeviceKernelTests::normRows()
{
    static const std::vector<Row<NormRow>> rows{{"layer T1 C768", {1, 768, 768}},  {"layer T5 C7", {5, 7, 7}},
                                                {"layer T3 C1000", {3, 1000, 1000}}, {"layer T3 C4096", {3, 4096, 4096}},
                                                {"group T1 N64", {1, 768, 64}},      {"group T5 N6", {5, 30, 6}},
                                                {"group T2 N33", {2, 99, 33}}};
    return rows;
}

void DeviceKernelTests::norms(const NormRow& r)
{
    const auto [rows, cols, groupSize] = r;
    const uint32_t seed = uint32_t(rows * 131 + cols + groupSize);
    // A large common offset: a one-pass variance would lose it.
    std::vector<float> x = normals(size_t(rows) * cols, seed, 40.0f, 2.0f);
    std::vector<float> w = normals(size_t(cols), seed + 1), b = normals(size_t(cols), seed + 2);
    const bool layer = groupSize == cols;
    const float eps = layer ? 1e-5f : 64e-5f;
    std::vector<float> want(x.size());
    if (layer) m_cpu.layerNorm(view(want, rows, cols), view(x, rows, cols), view(w, 1, cols), view(b, 1, cols), eps);
    else m_cpu.groupNorm(view(want, rows, cols), view(x, rows, cols), view(w, 1, cols), view(b, 1, cols), groupSize, eps);
    Guarded gx(m_gpu, x, rows, cols), gw(m_gpu, w, 1, cols), gb(m_gpu, b, 1, cols), gy(m_gpu, DType::F32, rows, cols);
    if (layer) m_gpu.layerNorm(gy.tensor, gx.tensor, gw.tensor, gb.tensor, eps);
    else m_gpu.groupNorm(gy.tensor, gx.tensor, gw.tensor, gb.tensor, groupSize, eps);
    expectMatch(gy, want, m_tolerances.norm, "norm");
    m_gpu.groupNorm(gx.tensor, gx.tensor, gw.tensor, gb.tensor, groupSize, eps); // in place, as the models call it
    expectMatch(gx, want, m_tolerances.norm, "norm in place");
}

const std::vector<Row<DeviceKernelTests::ShapeRow>>& DeviceKernelTests::tokenShiftRows()
{
    static const std::vector<Row<ShapeRow>> rows = [] {
        std::vector<Row<ShapeRow>> v;
        for (int B : {1, 3})
            for (int T : {1, 2, 9})
                for (int C : {7, 130})
                    v.push_back({format("T%d C%d", T, C) + (B > 1 ? format(" B%d", B) : ""), {T, C, B}});
        return v;
    }();
    return rows;
}

void DeviceKernelTests::tokenShift(const ShapeRow& r)
{
    const auto [T, cols, B] = r;
    const int rows = B * T;
    std::vector<float> x = normals(size_t(rows) * cols, uint32_t(rows * 7 + cols)), prev = normals(size_t(B) * cols, 5);
    Guarded gx(m_gpu, x, rows, cols), gp(m_gpu, prev, B, cols), gy(m_gpu, DType::F32, rows, cols);
    std::vector<float> want(x.size());
    m_cpu.tokenShift(view(want, rows, cols), view(x, rows, cols), view(prev, B, cols));
    m_gpu.tokenShift(gy.tensor, gx.tensor, gp.tensor);
    expectMatch(gy, want, 0.0, "shifted");
    expectMatch(gp, prev, 0.0, "new prev");
}

const std::vector<Row<DeviceKernelTests::LerpRow>>& DeviceKernelTests::lerpRows()
{
    static const std::vector<Row<LerpRow>> rows = [] {
        std::vector<Row<LerpRow>> v;
        for (int T : {1, 3})
            for (int C : {5, 1000})
                for (int mask = 0; mask < 8; ++mask) v.push_back({format("T%d C%d mask%d", T, C, mask), {T, C, mask}});
        return v;
    }();
    return rows;
}

void DeviceKernelTests::lerpAndBinary(const LerpRow& r)
{
    const auto [rows, cols, mask] = r;
    const int ra = mask & 1 ? 1 : rows, rb = mask & 2 ? 1 : rows, rt = mask & 4 ? 1 : rows;
    const uint32_t seed = uint32_t(cols * 17 + rows * 5 + mask);
    std::vector<float> a = normals(size_t(ra) * cols, seed), b = normals(size_t(rb) * cols, seed + 1);
    std::vector<float> t = uniforms(size_t(rt) * cols, seed + 2, -0.5f, 1.5f);
    Guarded ga(m_gpu, a, ra, cols), gb(m_gpu, b, rb, cols), gt(m_gpu, t, rt, cols), gy(m_gpu, DType::F32, rows, cols);
    std::vector<float> want(size_t(rows) * cols);
    m_cpu.lerp(view(want, rows, cols), view(a, ra, cols), view(b, rb, cols), view(t, rt, cols));
    m_gpu.lerp(gy.tensor, ga.tensor, gb.tensor, gt.tensor);
    expectMatch(gy, want, m_tolerances.lerp, "lerp");
    if (ra != rows) return; // out may alias a only when a has every row
    for (BinaryOp op : {BinaryOp::Add, BinaryOp::Mul}) {
        m_cpu.binary(op, view(want, rows, cols), view(a, rows, cols), view(b, rb, cols));
        m_gpu.binary(op, gy.tensor, ga.tensor, gb.tensor);
        expectMatch(gy, want, 0.0, op == BinaryOp::Add ? "add" : "mul");
    }
    m_cpu.lerp(view(want, rows, cols), view(a, rows, cols), view(b, rb, cols), view(t, rt, cols));
    m_cpu.binary(BinaryOp::Mul, view(want, rows, cols), view(want, rows, cols), view(b, rb, cols));
    m_gpu.lerp(ga.tensor, ga.tensor, gb.tensor, gt.tensor); // in place (out = a), as the models call them
    m_gpu.binary(BinaryOp::Mul, ga.tensor, ga.tensor, gb.tensor);
    expectMatch(ga, want, m_tolerances.lerp, "lerp, mul in place");
}

const std::vector<Row<DeviceKernelTests::UnaryRow>>& DeviceKernelTests::unaryRows()
{
    static const std::vector<Row<UnaryRow>> rows = [] {
        std::vector<Row<UnaryRow>> v;
        for (int op = 0; op <= int(UnaryOp::Decay7); ++op)
            for (int n : {1, 37, 1000, 300000}) v.push_back({format("op%d n%d", op, n), {UnaryOp(op), n}});
        // More than 65535 workgroups of 256: Vulkan's 2-D grid, whose last row overhangs the data.
        v.push_back({"sigmoid 2-D grid", {UnaryOp::Sigmoid, 65535 * 256 + 300}});
        return v;
    }();
    return rows;
}

void DeviceKernelTests::unary(const UnaryRow& r)
{
    const int op = int(r.op), n = r.n;
    std::vector<float> x = uniforms(size_t(n), uint32_t(op * 100 + n), -12.0f, 12.0f);
    // Overflow and underflow of exp; relu² of 1e19 would overflow fp32 on both sides.
    const float special[] = {0.0f, -0.0f, 1e-8f, 30.0f, -30.0f, 89.0f, -89.0f, 1000.0f, -1000.0f, 3.4e38f, -3.4e38f};
    for (size_t i = 0; i < std::size(special); ++i)
        if (UnaryOp(op) != UnaryOp::ReluSquare || std::fabs(special[i]) < 1e18f) x[(i * 7) % x.size()] = special[i];
    std::vector<float> want(x.size());
    m_cpu.unary(UnaryOp(op), view(want, 1, n), view(x, 1, n));
    Guarded gx(m_gpu, x, 1, n), gy(m_gpu, DType::F32, 1, n);
    m_gpu.unary(UnaryOp(op), gy.tensor, gx.tensor);
    expectMatch(gy, want, m_tolerances.unary, "unary");
}

const std::vector<Row<DeviceKernelTests::ShapeRow>>& DeviceKernelTests::wkv4Rows()
{
    static const std::vector<Row<ShapeRow>> rows = [] {
        std::vector<Row<ShapeRow>> v;
        for (int T : {1, 6, 33})
            for (int C : {7, 130, 2560}) v.push_back({format("T%d C%d", T, C), {T, C, 1}});
        for (int T : {1, 6}) v.push_back({format("T%d C130 B4", T), {T, 130, 4}});
        return v;
    }();
    return rows;
}

void DeviceKernelTests::wkv4(const ShapeRow& r)
{
    const auto [perSeq, C, B] = r;
    const int T = B * perSeq; // rows of all sequences
    const uint32_t seed = uint32_t(T * 31 + C);
    std::vector<float> k = normals(size_t(T) * C, seed), v = normals(size_t(T) * C, seed + 1);
    std::vector<float> w = uniforms(size_t(C), seed + 2, -3.0f, -0.01f), u = normals(size_t(C), seed + 3);
    std::vector<float> state = uniforms(3 * size_t(B) * size_t(C), seed + 4, 0.1f, 2.0f);
    Guarded gk(m_gpu, k, T, C), gv(m_gpu, v, T, C), gw(m_gpu, w, 1, C), gu(m_gpu, u, 1, C);
    Guarded gs(m_gpu, state, 3 * B, C), gy(m_gpu, DType::F32, T, C);
    std::vector<float> y(size_t(T) * C);
    m_cpu.wkv4(view(y, T, C), view(state, 3 * B, C), view(w, 1, C), view(u, 1, C), view(k, T, C), view(v, T, C));
    m_gpu.wkv4(gy.tensor, gs.tensor, gw.tensor, gu.tensor, gk.tensor, gv.tensor);
    expectMatch(gy, y, m_tolerances.wkv, "y");
    expectMatch(gs, state, m_tolerances.wkv, "state");
}

const std::vector<Row<DeviceKernelTests::Wkv57Row>>& DeviceKernelTests::wkv57Rows()
{
    // CUDA: N = 64 keeps the state in registers, the others take the global-memory path; T = 33
    // spans several staged token groups.
    static const std::vector<Row<Wkv57Row>> rows = [] {
        std::vector<Row<Wkv57Row>> v;
        for (int version : {5, 6, 7})
            for (int T : {1, 5, 33})
                for (auto [heads, N] : {std::pair{3, 64}, {5, 8}, {2, 6}, {2, 100}})
                    v.push_back({format("v%d H%d N%d T%d", version, heads, N, T), {version, heads, N, T, 1}});
        // Several sequences, each with its own state (the batched step).
        for (int version : {5, 6, 7})
            for (int T : {1, 5})
                for (auto [heads, N] : {std::pair{3, 64}, {5, 8}})
                    v.push_back({format("v%d H%d N%d T%d B3", version, heads, N, T), {version, heads, N, T, 3}});
        return v;
    }();
    return rows;
}

void DeviceKernelTests::wkv57(const Wkv57Row& row)
{
    const auto [version, heads, N, perSeq, B] = row;
    const int C = heads * N, T = B * perSeq; // rows of all sequences
    const uint32_t seed = uint32_t(version * 100003 + heads * 7919 + N * 31 + T);
    std::vector<float> r = normals(size_t(T) * C, seed), k = normals(size_t(T) * C, seed + 1);
    std::vector<float> v = normals(size_t(T) * C, seed + 2), u = normals(size_t(C), seed + 3);
    const int wRows = version == 5 ? 1 : T;
    std::vector<float> w = uniforms(size_t(wRows) * C, seed + 4, 0.55f, 0.9999f);
    // RWKV-7's α = −κ, β = κ⊙a with κ a unit vector per head, so the state stays bounded.
    std::vector<float> alpha(size_t(T) * C), beta(size_t(T) * C);
    const std::vector<float> kappa = normals(size_t(T) * C, seed + 5), a = uniforms(size_t(T) * C, seed + 6, 0, 1);
    for (size_t h = 0; h < size_t(T) * heads; ++h) {
        double norm = 0.0;
        for (int j = 0; j < N; ++j) norm += double(kappa[h * N + j]) * kappa[h * N + j];
        for (int j = 0; j < N; ++j) {
            alpha[h * N + j] = -float(kappa[h * N + j] / std::sqrt(norm));
            beta[h * N + j] = -alpha[h * N + j] * a[h * N + j];
        }
    }
    std::vector<float> state = normals(size_t(B) * C * N, seed + 7, 0.0f, 0.5f), y(size_t(T) * C);
    Guarded gr(m_gpu, r, T, C), gk(m_gpu, k, T, C), gv(m_gpu, v, T, C), gu(m_gpu, u, 1, C), gw(m_gpu, w, wRows, C);
    Guarded galpha(m_gpu, alpha, T, C), gbeta(m_gpu, beta, T, C), gs(m_gpu, state, B * C, N);
    Guarded gy(m_gpu, DType::F32, T, C);
    if (version == 7) {
        m_cpu.wkv7(view(y, T, C), view(state, B * C, N), view(r, T, C), view(w, T, C), view(k, T, C), view(v, T, C),
                   view(alpha, T, C), view(beta, T, C), N);
        m_gpu.wkv7(gy.tensor, gs.tensor, gr.tensor, gw.tensor, gk.tensor, gv.tensor, galpha.tensor, gbeta.tensor, N);
    } else {
        m_cpu.wkv5(view(y, T, C), view(state, B * C, N), view(r, T, C), view(w, wRows, C), view(k, T, C),
                   view(v, T, C), view(u, 1, C), N);
        m_gpu.wkv5(gy.tensor, gs.tensor, gr.tensor, gw.tensor, gk.tensor, gv.tensor, gu.tensor, N);
    }
    expectMatch(gy, y, m_tolerances.wkv, "y");
    expectMatch(gs, state, m_tolerances.wkv, "state");
}

const std::vector<Row<DeviceKernelTests::HeadsRow>>& DeviceKernelTests::rwkv7HeadsRows()
{
    static const std::vector<Row<HeadsRow>> rows{
        {"T1 H12 N64", {1, 12, 64}}, {"T5 H3 N64", {5, 3, 64}}, {"T3 H4 N6", {3, 4, 6}}, {"T2 H3 N100", {2, 3, 100}}};
    return rows;
}

// Key preparation and bonus, the per-head RWKV-7 kernels around the WKV.
void DeviceKernelTests::rwkv7Heads(const HeadsRow& row)
{
    const auto [rows, heads, N] = row;
    const int C = heads * N;
    const uint32_t seed = uint32_t(rows * 97 + C);
    std::vector<float> k = normals(size_t(rows) * C, seed), a = uniforms(size_t(rows) * C, seed + 1, 0.0f, 1.0f);
    std::vector<float> kK = normals(size_t(C), seed + 2, 1.0f, 0.3f), kA = normals(size_t(C), seed + 3, 1.0f, 0.3f);
    for (int j = 0; j < N; ++j) k[size_t(N) + j] = 0.0f; // an all-zero key head normalises to zeros
    std::vector<float> o = normals(size_t(rows) * C, seed + 4), r = normals(size_t(rows) * C, seed + 5);
    std::vector<float> v = normals(size_t(rows) * C, seed + 6), rK = normals(size_t(C), seed + 7);
    Guarded gk(m_gpu, k, rows, C), ga(m_gpu, a, rows, C), gkK(m_gpu, kK, 1, C), gkA(m_gpu, kA, 1, C);
    Guarded go(m_gpu, o, rows, C), gr(m_gpu, r, rows, C), gv(m_gpu, v, rows, C), grK(m_gpu, rK, 1, C);
    Guarded galpha(m_gpu, DType::F32, rows, C), gbeta(m_gpu, DType::F32, rows, C);
    std::vector<float> alpha(k.size()), beta(k.size());
    m_cpu.rwkv7KeyPrep(view(k, rows, C), view(alpha, rows, C), view(beta, rows, C), view(a, rows, C),
                       view(kK, 1, C), view(kA, 1, C), N);
    m_cpu.rwkv7Bonus(view(o, rows, C), view(r, rows, C), view(k, rows, C), view(v, rows, C), view(rK, 1, C), N);
    m_gpu.rwkv7KeyPrep(gk.tensor, galpha.tensor, gbeta.tensor, ga.tensor, gkK.tensor, gkA.tensor, N);
    m_gpu.rwkv7Bonus(go.tensor, gr.tensor, gk.tensor, gv.tensor, grK.tensor, N);
    expectMatch(gk, k, m_tolerances.rwkv7Heads, "k");
    expectMatch(galpha, alpha, m_tolerances.rwkv7Heads, "alpha");
    expectMatch(gbeta, beta, m_tolerances.rwkv7Heads, "beta");
    expectMatch(go, o, m_tolerances.rwkv7Heads, "bonus");
}

} // namespace rwkv::test
