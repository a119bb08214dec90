#include "support/device_kernel_tests.h"

#include <QTest>

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

void DeviceKernelTests::expectMatch(const Guarded& g, const std::vector<float>& cpu, double tolerance, const char* what)
{
    bool guardsIntact = false;
    const std::vector<float> got = g.read(*m_gpu, guardsIntact);
    QVERIFY2(guardsIntact, qPrintable(QStringLiteral("%1 wrote outside its tensor").arg(what)));
    const double e = nmse(got, cpu);
    if (tolerance > 0.0) m_worstRatio = std::max(m_worstRatio, e / tolerance);
    QVERIFY2(e <= tolerance, qPrintable(QStringLiteral("%1: NMSE %2 > %3").arg(what).arg(e).arg(tolerance)));
}

void DeviceKernelTests::checkMatmul(int T, int I, int O, DType type, std::vector<float> x)
{
    const uint32_t seed = uint32_t(T * 1000003 + I * 1009 + O);
    std::vector<float> w = normals(size_t(O) * I, seed + 1, 0.0f, 0.2f);
    const std::vector<uint16_t> half = halfBits(w, type);
    const void* bits = type == DType::F32 ? static_cast<const void*>(w.data()) : half.data();
    std::vector<float> want(size_t(T) * O);
    m_cpu.matmul(view(want, T, O), view(x, T, I), DTensor{const_cast<void*>(bits), type, O, I});
    Guarded gx(*m_gpu, x, T, I), gw(*m_gpu, type, O, I, bits), gy(*m_gpu, DType::F32, T, O);
    m_gpu->matmul(gy.tensor, gx.tensor, gw.tensor);
    expectMatch(gy, want, m_tolerances.matmul(type, T), "matmul");
}

void DeviceKernelTests::cleanupTestCase()
{
    if (m_gpu) qInfo("largest NMSE: %.1e of its tolerance", m_worstRatio);
}

void DeviceKernelTests::matmul_data()
{
    QTest::addColumn<int>("T");
    QTest::addColumn<int>("I");
    QTest::addColumn<int>("O");
    QTest::addColumn<int>("dtype");
    // Vulkan: T ≤ 4 takes the GEMV shader (8-wide loads when I % 8 == 0; I = 320 and 1024 reach
    // its four-loads-in-flight loop, 320 also its tail), larger T the tiled GEMM (partial tiles
    // at 5, 65, 130). CUDA: I = 64 and 768 take the GEMV's 16-byte vector path, 7 and 333 its
    // scalar path; larger T cuBLAS.
    for (int dtype : {int(DType::F32), int(DType::F16), int(DType::BF16)})
        for (int T : {1, 2, 4, 5, 65, 130})
            for (int I : {7, 64, 320, 333, 768, 1024})
                for (int O : {1, 66, 257})
                    QTest::newRow(qPrintable(QStringLiteral("%1 T%2 I%3 O%4")
                                                 .arg(QString::fromLatin1(dtypeName(DType(dtype)).data()))
                                                 .arg(T)
                                                 .arg(I)
                                                 .arg(O)))
                        << T << I << O << dtype;
}

void DeviceKernelTests::matmul()
{
    QFETCH(int, T);
    QFETCH(int, I);
    QFETCH(int, O);
    QFETCH(int, dtype);
    checkMatmul(T, I, O, DType(dtype), normals(size_t(T) * I, uint32_t(T * 1000003 + I * 1009 + O)));
}

// Activations beyond fp16's range (relu² of the channel mix): CUDA scales them before
// rounding them for the tensor cores.
void DeviceKernelTests::matmulLargeActivationsFp16()
{
    std::vector<float> x = normals(size_t(9) * 256, 77, 0.0f, 30000.0f);
    x[5] = 2.0e6f;
    checkMatmul(9, 256, 130, DType::F16, x);
}

void DeviceKernelTests::norms_data()
{
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("cols");
    QTest::addColumn<int>("groupSize");
    QTest::newRow("layer T1 C768") << 1 << 768 << 768;
    QTest::newRow("layer T5 C7") << 5 << 7 << 7;
    QTest::newRow("layer T3 C1000") << 3 << 1000 << 1000;
    QTest::newRow("layer T3 C4096") << 3 << 4096 << 4096;
    QTest::newRow("group T1 N64") << 1 << 768 << 64;
    QTest::newRow("group T5 N6") << 5 << 30 << 6;
    QTest::newRow("group T2 N33") << 2 << 99 << 33;
}

void DeviceKernelTests::norms()
{
    QFETCH(int, rows);
    QFETCH(int, cols);
    QFETCH(int, groupSize);
    const uint32_t seed = uint32_t(rows * 131 + cols + groupSize);
    // A large common offset: a one-pass variance would lose it.
    std::vector<float> x = normals(size_t(rows) * cols, seed, 40.0f, 2.0f);
    std::vector<float> w = normals(size_t(cols), seed + 1), b = normals(size_t(cols), seed + 2);
    const bool layer = groupSize == cols;
    const float eps = layer ? 1e-5f : 64e-5f;
    std::vector<float> want(x.size());
    if (layer) m_cpu.layerNorm(view(want, rows, cols), view(x, rows, cols), view(w, 1, cols), view(b, 1, cols), eps);
    else m_cpu.groupNorm(view(want, rows, cols), view(x, rows, cols), view(w, 1, cols), view(b, 1, cols), groupSize, eps);
    Guarded gx(*m_gpu, x, rows, cols), gw(*m_gpu, w, 1, cols), gb(*m_gpu, b, 1, cols), gy(*m_gpu, DType::F32, rows, cols);
    if (layer) m_gpu->layerNorm(gy.tensor, gx.tensor, gw.tensor, gb.tensor, eps);
    else m_gpu->groupNorm(gy.tensor, gx.tensor, gw.tensor, gb.tensor, groupSize, eps);
    expectMatch(gy, want, m_tolerances.norm, "norm");
    m_gpu->groupNorm(gx.tensor, gx.tensor, gw.tensor, gb.tensor, groupSize, eps); // in place, as the models call it
    expectMatch(gx, want, m_tolerances.norm, "norm in place");
}

void DeviceKernelTests::tokenShift_data()
{
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("cols");
    for (int rows : {1, 2, 9})
        for (int cols : {7, 130}) QTest::newRow(qPrintable(QStringLiteral("T%1 C%2").arg(rows).arg(cols))) << rows << cols;
}

void DeviceKernelTests::tokenShift()
{
    QFETCH(int, rows);
    QFETCH(int, cols);
    std::vector<float> x = normals(size_t(rows) * cols, uint32_t(rows * 7 + cols)), prev = normals(size_t(cols), 5);
    Guarded gx(*m_gpu, x, rows, cols), gp(*m_gpu, prev, 1, cols), gy(*m_gpu, DType::F32, rows, cols);
    std::vector<float> want(x.size());
    m_cpu.tokenShift(view(want, rows, cols), view(x, rows, cols), view(prev, 1, cols));
    m_gpu->tokenShift(gy.tensor, gx.tensor, gp.tensor);
    expectMatch(gy, want, 0.0, "shifted");
    expectMatch(gp, prev, 0.0, "new prev");
}

void DeviceKernelTests::lerpAndBinary_data()
{
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("cols");
    QTest::addColumn<int>("mask"); // bit 0: a broadcasts, 1: b, 2: t
    for (int rows : {1, 3})
        for (int cols : {5, 1000})
            for (int mask = 0; mask < 8; ++mask)
                QTest::newRow(qPrintable(QStringLiteral("T%1 C%2 mask%3").arg(rows).arg(cols).arg(mask)))
                    << rows << cols << mask;
}

void DeviceKernelTests::lerpAndBinary()
{
    QFETCH(int, rows);
    QFETCH(int, cols);
    QFETCH(int, mask);
    const int ra = mask & 1 ? 1 : rows, rb = mask & 2 ? 1 : rows, rt = mask & 4 ? 1 : rows;
    const uint32_t seed = uint32_t(cols * 17 + rows * 5 + mask);
    std::vector<float> a = normals(size_t(ra) * cols, seed), b = normals(size_t(rb) * cols, seed + 1);
    std::vector<float> t = uniforms(size_t(rt) * cols, seed + 2, -0.5f, 1.5f);
    Guarded ga(*m_gpu, a, ra, cols), gb(*m_gpu, b, rb, cols), gt(*m_gpu, t, rt, cols), gy(*m_gpu, DType::F32, rows, cols);
    std::vector<float> want(size_t(rows) * cols);
    m_cpu.lerp(view(want, rows, cols), view(a, ra, cols), view(b, rb, cols), view(t, rt, cols));
    m_gpu->lerp(gy.tensor, ga.tensor, gb.tensor, gt.tensor);
    expectMatch(gy, want, m_tolerances.lerp, "lerp");
    if (ra != rows) return; // out may alias a only when a has every row
    for (BinaryOp op : {BinaryOp::Add, BinaryOp::Mul}) {
        m_cpu.binary(op, view(want, rows, cols), view(a, rows, cols), view(b, rb, cols));
        m_gpu->binary(op, gy.tensor, ga.tensor, gb.tensor);
        expectMatch(gy, want, 0.0, op == BinaryOp::Add ? "add" : "mul");
    }
    m_cpu.lerp(view(want, rows, cols), view(a, rows, cols), view(b, rb, cols), view(t, rt, cols));
    m_cpu.binary(BinaryOp::Mul, view(want, rows, cols), view(want, rows, cols), view(b, rb, cols));
    m_gpu->lerp(ga.tensor, ga.tensor, gb.tensor, gt.tensor); // in place (out = a), as the models call them
    m_gpu->binary(BinaryOp::Mul, ga.tensor, ga.tensor, gb.tensor);
    expectMatch(ga, want, m_tolerances.lerp, "lerp, mul in place");
}

void DeviceKernelTests::unary_data()
{
    QTest::addColumn<int>("op");
    QTest::addColumn<int>("n");
    for (int op = 0; op <= int(UnaryOp::Decay7); ++op)
        for (int n : {1, 37, 1000, 300000}) QTest::newRow(qPrintable(QStringLiteral("op%1 n%2").arg(op).arg(n))) << op << n;
    // More than 65535 workgroups of 256: Vulkan's 2-D grid, whose last row overhangs the data.
    QTest::newRow("sigmoid 2-D grid") << int(UnaryOp::Sigmoid) << (65535 * 256 + 300);
}

void DeviceKernelTests::unary()
{
    QFETCH(int, op);
    QFETCH(int, n);
    std::vector<float> x = uniforms(size_t(n), uint32_t(op * 100 + n), -12.0f, 12.0f);
    // Overflow and underflow of exp; relu² of 1e19 would overflow fp32 on both sides.
    const float special[] = {0.0f, -0.0f, 1e-8f, 30.0f, -30.0f, 89.0f, -89.0f, 1000.0f, -1000.0f, 3.4e38f, -3.4e38f};
    for (size_t i = 0; i < std::size(special); ++i)
        if (UnaryOp(op) != UnaryOp::ReluSquare || std::fabs(special[i]) < 1e18f) x[(i * 7) % x.size()] = special[i];
    std::vector<float> want(x.size());
    m_cpu.unary(UnaryOp(op), view(want, 1, n), view(x, 1, n));
    Guarded gx(*m_gpu, x, 1, n), gy(*m_gpu, DType::F32, 1, n);
    m_gpu->unary(UnaryOp(op), gy.tensor, gx.tensor);
    expectMatch(gy, want, m_tolerances.unary, "unary");
}

void DeviceKernelTests::wkv4_data()
{
    QTest::addColumn<int>("T");
    QTest::addColumn<int>("C");
    for (int T : {1, 6, 33})
        for (int C : {7, 130, 2560}) QTest::newRow(qPrintable(QStringLiteral("T%1 C%2").arg(T).arg(C))) << T << C;
}

void DeviceKernelTests::wkv4()
{
    QFETCH(int, T);
    QFETCH(int, C);
    const uint32_t seed = uint32_t(T * 31 + C);
    std::vector<float> k = normals(size_t(T) * C, seed), v = normals(size_t(T) * C, seed + 1);
    std::vector<float> w = uniforms(size_t(C), seed + 2, -3.0f, -0.01f), u = normals(size_t(C), seed + 3);
    std::vector<float> state = uniforms(3 * size_t(C), seed + 4, 0.1f, 2.0f);
    Guarded gk(*m_gpu, k, T, C), gv(*m_gpu, v, T, C), gw(*m_gpu, w, 1, C), gu(*m_gpu, u, 1, C);
    Guarded gs(*m_gpu, state, 3, C), gy(*m_gpu, DType::F32, T, C);
    std::vector<float> y(size_t(T) * C);
    m_cpu.wkv4(view(y, T, C), view(state, 3, C), view(w, 1, C), view(u, 1, C), view(k, T, C), view(v, T, C));
    m_gpu->wkv4(gy.tensor, gs.tensor, gw.tensor, gu.tensor, gk.tensor, gv.tensor);
    expectMatch(gy, y, m_tolerances.wkv, "y");
    expectMatch(gs, state, m_tolerances.wkv, "state");
}

void DeviceKernelTests::wkv57_data()
{
    QTest::addColumn<int>("version"); // 5 (one decay row), 6 (a decay row per token) or 7
    QTest::addColumn<int>("heads");
    QTest::addColumn<int>("N");
    QTest::addColumn<int>("T");
    // CUDA: N = 64 keeps the state in registers, the others take the global-memory path; T = 33
    // spans several staged token groups.
    for (int version : {5, 6, 7})
        for (int T : {1, 5, 33})
            for (auto [heads, N] : {std::pair{3, 64}, {5, 8}, {2, 6}, {2, 100}})
                QTest::newRow(qPrintable(QStringLiteral("v%1 H%2 N%3 T%4").arg(version).arg(heads).arg(N).arg(T)))
                    << version << heads << N << T;
}

void DeviceKernelTests::wkv57()
{
    QFETCH(int, version);
    QFETCH(int, heads);
    QFETCH(int, N);
    QFETCH(int, T);
    const int C = heads * N;
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
    std::vector<float> state = normals(size_t(C) * N, seed + 7, 0.0f, 0.5f), y(size_t(T) * C);
    Guarded gr(*m_gpu, r, T, C), gk(*m_gpu, k, T, C), gv(*m_gpu, v, T, C), gu(*m_gpu, u, 1, C), gw(*m_gpu, w, wRows, C);
    Guarded galpha(*m_gpu, alpha, T, C), gbeta(*m_gpu, beta, T, C), gs(*m_gpu, state, C, N);
    Guarded gy(*m_gpu, DType::F32, T, C);
    if (version == 7) {
        m_cpu.wkv7(view(y, T, C), view(state, C, N), view(r, T, C), view(w, T, C), view(k, T, C), view(v, T, C),
                   view(alpha, T, C), view(beta, T, C), N);
        m_gpu->wkv7(gy.tensor, gs.tensor, gr.tensor, gw.tensor, gk.tensor, gv.tensor, galpha.tensor, gbeta.tensor, N);
    } else {
        m_cpu.wkv5(view(y, T, C), view(state, C, N), view(r, T, C), view(w, wRows, C), view(k, T, C),
                   view(v, T, C), view(u, 1, C), N);
        m_gpu->wkv5(gy.tensor, gs.tensor, gr.tensor, gw.tensor, gk.tensor, gv.tensor, gu.tensor, N);
    }
    expectMatch(gy, y, m_tolerances.wkv, "y");
    expectMatch(gs, state, m_tolerances.wkv, "state");
}

void DeviceKernelTests::rwkv7Heads_data()
{
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("heads");
    QTest::addColumn<int>("N");
    QTest::newRow("T1 H12 N64") << 1 << 12 << 64;
    QTest::newRow("T5 H3 N64") << 5 << 3 << 64;
    QTest::newRow("T3 H4 N6") << 3 << 4 << 6;
    QTest::newRow("T2 H3 N100") << 2 << 3 << 100;
}

// Key preparation and bonus, the per-head RWKV-7 kernels around the WKV.
void DeviceKernelTests::rwkv7Heads()
{
    QFETCH(int, rows);
    QFETCH(int, heads);
    QFETCH(int, N);
    const int C = heads * N;
    const uint32_t seed = uint32_t(rows * 97 + C);
    std::vector<float> k = normals(size_t(rows) * C, seed), a = uniforms(size_t(rows) * C, seed + 1, 0.0f, 1.0f);
    std::vector<float> kK = normals(size_t(C), seed + 2, 1.0f, 0.3f), kA = normals(size_t(C), seed + 3, 1.0f, 0.3f);
    for (int j = 0; j < N; ++j) k[size_t(N) + j] = 0.0f; // an all-zero key head normalises to zeros
    std::vector<float> o = normals(size_t(rows) * C, seed + 4), r = normals(size_t(rows) * C, seed + 5);
    std::vector<float> v = normals(size_t(rows) * C, seed + 6), rK = normals(size_t(C), seed + 7);
    Guarded gk(*m_gpu, k, rows, C), ga(*m_gpu, a, rows, C), gkK(*m_gpu, kK, 1, C), gkA(*m_gpu, kA, 1, C);
    Guarded go(*m_gpu, o, rows, C), gr(*m_gpu, r, rows, C), gv(*m_gpu, v, rows, C), grK(*m_gpu, rK, 1, C);
    Guarded galpha(*m_gpu, DType::F32, rows, C), gbeta(*m_gpu, DType::F32, rows, C);
    std::vector<float> alpha(k.size()), beta(k.size());
    m_cpu.rwkv7KeyPrep(view(k, rows, C), view(alpha, rows, C), view(beta, rows, C), view(a, rows, C),
                       view(kK, 1, C), view(kA, 1, C), N);
    m_cpu.rwkv7Bonus(view(o, rows, C), view(r, rows, C), view(k, rows, C), view(v, rows, C), view(rK, 1, C), N);
    m_gpu->rwkv7KeyPrep(gk.tensor, galpha.tensor, gbeta.tensor, ga.tensor, gkK.tensor, gkA.tensor, N);
    m_gpu->rwkv7Bonus(go.tensor, gr.tensor, gk.tensor, gv.tensor, grK.tensor, N);
    expectMatch(gk, k, m_tolerances.rwkv7Heads, "k");
    expectMatch(galpha, alpha, m_tolerances.rwkv7Heads, "alpha");
    expectMatch(gbeta, beta, m_tolerances.rwkv7Heads, "beta");
    expectMatch(go, o, m_tolerances.rwkv7Heads, "bonus");
}

} // namespace rwkv::test
