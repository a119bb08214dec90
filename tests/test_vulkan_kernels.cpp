// Every Device kernel on Vulkan against the CPU backend (the reference, itself checked
// against double-precision loops in test_cpu_kernels) on seeded random input, for decode
// (T = 1) and prefill shapes with odd sizes. Each Vulkan tensor sits between guard bytes
// that no kernel may touch. Agreement is measured as NMSE = Σ(vk − cpu)² / Σ cpu².
#include "backends/cpu/cpu_device.h"
#include "core/error.h"
#include "support/vulkan_support.h"

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

using namespace rwkv;

namespace {

// Both backends compute in fp32 from the same inputs; they differ in summation order and in
// the GPU's exp/tanh/inversesqrt (a few ulp, ~1e-7 relative), i.e. NMSE ~1e-13 on lavapipe.
// The bounds leave room for GPU drivers and for exp(-exp(x)), which amplifies its input's
// rounding, and are still far below what a wrong index or a skipped element gives (NMSE ~1).
constexpr double kMathNmse = 1e-10;
// matmul by weight type: fp16/bf16 decode exactly on both sides, but Vulkan lets a driver
// flush fp16 subnormals (valid small weights) unless denormals are requested, hence more room.
double matmulNmse(DType weights) { return weights == DType::F32 ? kMathNmse : 1e-9; }

constexpr size_t kGuardBytes = 256;
constexpr unsigned char kGuard = 0xA5;

std::vector<float> normals(size_t n, uint32_t seed, float mean = 0.0f, float stddev = 1.0f)
{
    std::mt19937 gen(seed);
    std::normal_distribution<float> dist(mean, stddev);
    std::vector<float> v(n);
    for (float& x : v) x = dist(gen);
    return v;
}

std::vector<float> uniforms(size_t n, uint32_t seed, float lo, float hi)
{
    std::mt19937 gen(seed);
    std::uniform_real_distribution<float> dist(lo, hi);
    std::vector<float> v(n);
    for (float& x : v) x = dist(gen);
    return v;
}

DTensor view(std::vector<float>& v, int64_t rows, int64_t cols) { return {v.data(), DType::F32, rows, cols}; }

// NMSE, or infinity when one side is non-finite where the other is not (or differs).
double nmse(const std::vector<float>& got, const std::vector<float>& want)
{
    double num = 0.0, den = 0.0;
    for (size_t i = 0; i < want.size(); ++i) {
        if (!std::isfinite(want[i]) || !std::isfinite(got[i])) {
            if (std::memcmp(&got[i], &want[i], 4) != 0) return std::numeric_limits<double>::infinity();
            continue;
        }
        const double d = double(got[i]) - want[i];
        num += d * d;
        den += double(want[i]) * want[i];
    }
    return den > 0.0 ? num / den : num;
}

// A tensor in Vulkan memory with kGuardBytes of a known pattern on both sides.
class Guarded {
public:
    Guarded(Device& d, DType type, int64_t rows, int64_t cols, const void* init = nullptr)
        : tensor{nullptr, type, rows, cols}
    {
        std::vector<unsigned char> all(tensor.bytes() + 2 * kGuardBytes, kGuard);
        if (init) std::memcpy(all.data() + kGuardBytes, init, tensor.bytes());
        m_buffer = d.allocate(all.size());
        d.upload(DTensor{m_buffer->data(), DType::U8, 1, int64_t(all.size())}, all.data());
        tensor.data = static_cast<char*>(m_buffer->data()) + kGuardBytes;
    }
    Guarded(Device& d, std::vector<float>& v, int64_t rows, int64_t cols) : Guarded(d, DType::F32, rows, cols, v.data())
    {
    }

    // The fp32 values; guardsIntact is false when a kernel wrote outside the tensor.
    std::vector<float> read(Device& d, bool& guardsIntact) const
    {
        std::vector<unsigned char> all(tensor.bytes() + 2 * kGuardBytes);
        d.download(all.data(), DTensor{m_buffer->data(), DType::U8, 1, int64_t(all.size())});
        guardsIntact = true;
        for (size_t i = 0; i < kGuardBytes; ++i)
            if (all[i] != kGuard || all[all.size() - 1 - i] != kGuard) guardsIntact = false;
        std::vector<float> out(size_t(tensor.numel()));
        std::memcpy(out.data(), all.data() + kGuardBytes, tensor.bytes());
        return out;
    }

    DTensor tensor;

private:
    std::unique_ptr<DeviceBuffer> m_buffer;
};

} // namespace

class TestVulkanKernels : public QObject {
    Q_OBJECT

private:
    cpu::CpuDevice m_cpu{2};
    std::unique_ptr<Device> m_vk;
    double m_worstRatio = 0.0; // largest NMSE seen, as a fraction of its tolerance

    // The Vulkan result in g must match the CPU result, guards intact.
    void expectMatch(const Guarded& g, const std::vector<float>& cpu, double tolerance, const char* what)
    {
        bool guardsIntact = false;
        const std::vector<float> got = g.read(*m_vk, guardsIntact);
        QVERIFY2(guardsIntact, qPrintable(QStringLiteral("%1 wrote outside its tensor").arg(what)));
        const double e = nmse(got, cpu);
        if (tolerance > 0.0) m_worstRatio = std::max(m_worstRatio, e / tolerance);
        QVERIFY2(e <= tolerance, qPrintable(QStringLiteral("%1: NMSE %2 > %3").arg(what).arg(e).arg(tolerance)));
    }

private slots:
    void initTestCase()
    {
        std::string why;
        m_vk = test::openVulkan(why);
        if (!m_vk && test::vulkanRequired())
            QFAIL(qPrintable(QString::fromStdString("RWKV_REQUIRE_VULKAN is set but there is no Vulkan device: " + why)));
        if (!m_vk) QSKIP(qPrintable(QString::fromStdString("no Vulkan device: " + why)));
        qInfo("device: %s", m_vk->name().c_str());
    }

    void cleanupTestCase()
    {
        if (m_vk) qInfo("largest NMSE: %.1e of its tolerance", m_worstRatio);
    }

    void matmul_data()
    {
        QTest::addColumn<int>("T");
        QTest::addColumn<int>("I");
        QTest::addColumn<int>("O");
        QTest::addColumn<int>("dtype");
        // T ≤ 4 takes the GEMV shader (8-wide loads when I % 8 == 0; I = 320 and 1024 reach its
        // four-loads-in-flight loop, 320 also its tail), larger T the tiled GEMM (partial tiles
        // at 5, 65, 130).
        for (int dtype : {int(DType::F32), int(DType::F16), int(DType::BF16)})
            for (int T : {1, 2, 4, 5, 65, 130})
                for (int I : {7, 64, 320, 333, 1024})
                    for (int O : {1, 66, 257})
                        QTest::newRow(qPrintable(QStringLiteral("%1 T%2 I%3 O%4")
                                                     .arg(QString::fromLatin1(dtypeName(DType(dtype)).data()))
                                                     .arg(T)
                                                     .arg(I)
                                                     .arg(O)))
                            << T << I << O << dtype;
    }

    void matmul()
    {
        QFETCH(int, T);
        QFETCH(int, I);
        QFETCH(int, O);
        QFETCH(int, dtype);
        const DType type = DType(dtype);
        const uint32_t seed = uint32_t(T * 1000003 + I * 1009 + O);
        std::vector<float> x = normals(size_t(T) * I, seed), w = normals(size_t(O) * I, seed + 1, 0.0f, 0.2f);
        std::vector<uint16_t> half(w.size());
        for (size_t i = 0; i < w.size(); ++i) half[i] = type == DType::BF16 ? floatToBf16(w[i]) : floatToF16(w[i]);
        const void* bits = type == DType::F32 ? static_cast<const void*>(w.data()) : half.data();
        std::vector<float> want(size_t(T) * O);
        m_cpu.matmul(view(want, T, O), view(x, T, I), DTensor{const_cast<void*>(bits), type, O, I});

        Guarded gx(*m_vk, x, T, I), gw(*m_vk, type, O, I, bits), gy(*m_vk, DType::F32, T, O);
        m_vk->matmul(gy.tensor, gx.tensor, gw.tensor);
        expectMatch(gy, want, matmulNmse(type), "matmul");
    }

    void norms_data()
    {
        QTest::addColumn<int>("rows");
        QTest::addColumn<int>("cols");
        QTest::addColumn<int>("groupSize");
        QTest::newRow("layer T1 C768") << 1 << 768 << 768;
        QTest::newRow("layer T5 C7") << 5 << 7 << 7;
        QTest::newRow("layer T3 C1000") << 3 << 1000 << 1000;
        QTest::newRow("group T1 N64") << 1 << 768 << 64;
        QTest::newRow("group T5 N6") << 5 << 30 << 6;
        QTest::newRow("group T2 N33") << 2 << 99 << 33;
    }

    void norms()
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

        Guarded gx(*m_vk, x, rows, cols), gw(*m_vk, w, 1, cols), gb(*m_vk, b, 1, cols), gy(*m_vk, DType::F32, rows, cols);
        if (layer) m_vk->layerNorm(gy.tensor, gx.tensor, gw.tensor, gb.tensor, eps);
        else m_vk->groupNorm(gy.tensor, gx.tensor, gw.tensor, gb.tensor, groupSize, eps);
        expectMatch(gy, want, kMathNmse, "norm");
        // In place, as the models call GroupNorm.
        m_vk->groupNorm(gx.tensor, gx.tensor, gw.tensor, gb.tensor, groupSize, eps);
        expectMatch(gx, want, kMathNmse, "norm in place");
    }

    void tokenShift_data()
    {
        QTest::addColumn<int>("rows");
        QTest::addColumn<int>("cols");
        for (int rows : {1, 2, 9})
            for (int cols : {7, 130}) QTest::newRow(qPrintable(QStringLiteral("T%1 C%2").arg(rows).arg(cols))) << rows << cols;
    }

    void tokenShift()
    {
        QFETCH(int, rows);
        QFETCH(int, cols);
        std::vector<float> x = normals(size_t(rows) * cols, uint32_t(rows * 7 + cols)), prev = normals(size_t(cols), 5);
        Guarded gx(*m_vk, x, rows, cols), gp(*m_vk, prev, 1, cols), gy(*m_vk, DType::F32, rows, cols);
        std::vector<float> want(x.size());
        m_cpu.tokenShift(view(want, rows, cols), view(x, rows, cols), view(prev, 1, cols));
        m_vk->tokenShift(gy.tensor, gx.tensor, gp.tensor);
        expectMatch(gy, want, 0.0, "shifted");
        expectMatch(gp, prev, 0.0, "new prev");
    }

    void lerpAndBinary_data()
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

    void lerpAndBinary()
    {
        QFETCH(int, rows);
        QFETCH(int, cols);
        QFETCH(int, mask);
        const int ra = mask & 1 ? 1 : rows, rb = mask & 2 ? 1 : rows, rt = mask & 4 ? 1 : rows;
        const uint32_t seed = uint32_t(cols * 17 + rows * 5 + mask);
        std::vector<float> a = normals(size_t(ra) * cols, seed), b = normals(size_t(rb) * cols, seed + 1);
        std::vector<float> t = uniforms(size_t(rt) * cols, seed + 2, -0.5f, 1.5f);
        const size_t n = size_t(rows) * cols;
        Guarded ga(*m_vk, a, ra, cols), gb(*m_vk, b, rb, cols), gt(*m_vk, t, rt, cols), gy(*m_vk, DType::F32, rows, cols);
        std::vector<float> want(n);
        m_cpu.lerp(view(want, rows, cols), view(a, ra, cols), view(b, rb, cols), view(t, rt, cols));
        m_vk->lerp(gy.tensor, ga.tensor, gb.tensor, gt.tensor);
        expectMatch(gy, want, kMathNmse, "lerp");
        if (ra != rows) return; // out may alias a only when a has every row
        for (BinaryOp op : {BinaryOp::Add, BinaryOp::Mul}) {
            m_cpu.binary(op, view(want, rows, cols), view(a, rows, cols), view(b, rb, cols));
            m_vk->binary(op, gy.tensor, ga.tensor, gb.tensor);
            expectMatch(gy, want, 0.0, op == BinaryOp::Add ? "add" : "mul");
        }
        // In place (out = a), as the models call them.
        m_cpu.lerp(view(want, rows, cols), view(a, rows, cols), view(b, rb, cols), view(t, rt, cols));
        m_cpu.binary(BinaryOp::Mul, view(want, rows, cols), view(want, rows, cols), view(b, rb, cols));
        m_vk->lerp(ga.tensor, ga.tensor, gb.tensor, gt.tensor);
        m_vk->binary(BinaryOp::Mul, ga.tensor, ga.tensor, gb.tensor);
        expectMatch(ga, want, kMathNmse, "lerp, mul in place");
    }

    void unary_data()
    {
        QTest::addColumn<int>("op");
        QTest::addColumn<int>("n");
        for (int op = 0; op <= int(UnaryOp::Decay7); ++op)
            for (int n : {1, 37, 1000}) QTest::newRow(qPrintable(QStringLiteral("op%1 n%2").arg(op).arg(n))) << op << n;
        // More than 65535 workgroups: a 2-D grid whose last row overhangs the data.
        QTest::newRow("sigmoid 2-D grid") << int(UnaryOp::Sigmoid) << (65535 * 256 + 300);
    }

    void unary()
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
        Guarded gx(*m_vk, x, 1, n), gy(*m_vk, DType::F32, 1, n);
        m_vk->unary(UnaryOp(op), gy.tensor, gx.tensor);
        expectMatch(gy, want, kMathNmse, "unary");
    }

    void wkv4_data()
    {
        QTest::addColumn<int>("T");
        QTest::addColumn<int>("C");
        for (int T : {1, 6, 33})
            for (int C : {7, 130}) QTest::newRow(qPrintable(QStringLiteral("T%1 C%2").arg(T).arg(C))) << T << C;
    }

    void wkv4()
    {
        QFETCH(int, T);
        QFETCH(int, C);
        const uint32_t seed = uint32_t(T * 31 + C);
        std::vector<float> k = normals(size_t(T) * C, seed), v = normals(size_t(T) * C, seed + 1);
        std::vector<float> w = uniforms(size_t(C), seed + 2, -3.0f, -0.01f), u = normals(size_t(C), seed + 3);
        std::vector<float> state = uniforms(3 * size_t(C), seed + 4, 0.1f, 2.0f);
        Guarded gk(*m_vk, k, T, C), gv(*m_vk, v, T, C), gw(*m_vk, w, 1, C), gu(*m_vk, u, 1, C);
        Guarded gs(*m_vk, state, 3, C), gy(*m_vk, DType::F32, T, C);
        std::vector<float> y(size_t(T) * C);
        m_cpu.wkv4(view(y, T, C), view(state, 3, C), view(w, 1, C), view(u, 1, C), view(k, T, C), view(v, T, C));
        m_vk->wkv4(gy.tensor, gs.tensor, gw.tensor, gu.tensor, gk.tensor, gv.tensor);
        expectMatch(gy, y, kMathNmse, "y");
        expectMatch(gs, state, kMathNmse, "state");
    }

    void wkv57_data()
    {
        QTest::addColumn<int>("version"); // 5 (one decay row), 6 (a decay row per token) or 7
        QTest::addColumn<int>("heads");
        QTest::addColumn<int>("N");
        QTest::addColumn<int>("T");
        for (int version : {5, 6, 7})
            for (int T : {1, 5, 33})
                for (auto [heads, N] : {std::pair{3, 64}, {5, 8}, {2, 6}})
                    QTest::newRow(qPrintable(QStringLiteral("v%1 H%2 N%3 T%4").arg(version).arg(heads).arg(N).arg(T)))
                        << version << heads << N << T;
    }

    void wkv57()
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
        Guarded gr(*m_vk, r, T, C), gk(*m_vk, k, T, C), gv(*m_vk, v, T, C), gu(*m_vk, u, 1, C), gw(*m_vk, w, wRows, C);
        Guarded galpha(*m_vk, alpha, T, C), gbeta(*m_vk, beta, T, C), gs(*m_vk, state, C, N);
        Guarded gy(*m_vk, DType::F32, T, C);
        if (version == 7) {
            m_cpu.wkv7(view(y, T, C), view(state, C, N), view(r, T, C), view(w, T, C), view(k, T, C), view(v, T, C),
                       view(alpha, T, C), view(beta, T, C), N);
            m_vk->wkv7(gy.tensor, gs.tensor, gr.tensor, gw.tensor, gk.tensor, gv.tensor, galpha.tensor, gbeta.tensor, N);
        } else {
            m_cpu.wkv5(view(y, T, C), view(state, C, N), view(r, T, C), view(w, wRows, C), view(k, T, C),
                       view(v, T, C), view(u, 1, C), N);
            m_vk->wkv5(gy.tensor, gs.tensor, gr.tensor, gw.tensor, gk.tensor, gv.tensor, gu.tensor, N);
        }
        expectMatch(gy, y, kMathNmse, "y");
        expectMatch(gs, state, kMathNmse, "state");
    }

    void rwkv7Heads_data()
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
    void rwkv7Heads()
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
        Guarded gk(*m_vk, k, rows, C), ga(*m_vk, a, rows, C), gkK(*m_vk, kK, 1, C), gkA(*m_vk, kA, 1, C);
        Guarded go(*m_vk, o, rows, C), gr(*m_vk, r, rows, C), gv(*m_vk, v, rows, C), grK(*m_vk, rK, 1, C);
        Guarded galpha(*m_vk, DType::F32, rows, C), gbeta(*m_vk, DType::F32, rows, C);
        std::vector<float> alpha(k.size()), beta(k.size());
        m_cpu.rwkv7KeyPrep(view(k, rows, C), view(alpha, rows, C), view(beta, rows, C), view(a, rows, C),
                           view(kK, 1, C), view(kA, 1, C), N);
        m_cpu.rwkv7Bonus(view(o, rows, C), view(r, rows, C), view(k, rows, C), view(v, rows, C), view(rK, 1, C), N);
        m_vk->rwkv7KeyPrep(gk.tensor, galpha.tensor, gbeta.tensor, ga.tensor, gkK.tensor, gkA.tensor, N);
        m_vk->rwkv7Bonus(go.tensor, gr.tensor, gk.tensor, gv.tensor, grK.tensor, N);
        expectMatch(gk, k, kMathNmse, "k");
        expectMatch(galpha, alpha, kMathNmse, "alpha");
        expectMatch(gbeta, beta, kMathNmse, "beta");
        expectMatch(go, o, kMathNmse, "bonus");
    }

    // Memory the device did not allocate is refused, not written.
    void foreignPointerRefused()
    {
        std::vector<float> host(4);
        QVERIFY_THROWS_EXCEPTION(Error, m_vk->upload(view(host, 1, 4), host.data()));
    }
};

QTEST_GUILESS_MAIN(TestVulkanKernels)
#include "test_vulkan_kernels.moc"
