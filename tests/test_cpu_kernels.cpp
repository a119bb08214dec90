// CPU kernels against deliberately naive double-precision loops written here (no code
// shared with the kernels), on seeded random input, for every SIMD target this machine can
// run and for 1 and 2 threads.
//
// Tolerances are relative to the magnitude of the terms that make up each result
// (e.g. Σ|x·w| for a dot product), not to the result itself: a sum that cancels to nearly
// zero keeps the rounding error of its terms, and no fp32 kernel can do better than that.
#include "backends/cpu/cpu_device.h"
#include "backends/cpu/gemm_bf16.h"
#include "backends/cpu/simd_dispatch.h"
#include "backends/cpu/thread_pool.h"
#include "core/dtype.h"
#include "core/quantize.h"
#include "support/device_compare.h"
#include "support/input_rounding.h"
#include "support/weight_decode.h"

#include <QtTest>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

using rwkv::BinaryOp;
using rwkv::DTensor;
using rwkv::DType;
using rwkv::UnaryOp;
using rwkv::cpu::CpuDevice;
using rwkv::test::normals;
using rwkv::test::uniforms;
using rwkv::test::view;
using rwkv::test::decodeBf16;
using rwkv::test::decodeF16;
using rwkv::test::decodeQ8;

namespace {

// got[i] must be within rel·scale[i] + floor (+ extra[i]) of want[i].
void expectClose(const std::vector<float>& got, const std::vector<double>& want, const std::vector<double>& scale,
                 double rel, double floor, const QString& what, const std::vector<double>& extra = {})
{
    QCOMPARE(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) {
        const double err = std::fabs(double(got[i]) - want[i]);
        const double allowed = rel * scale[i] + floor + (extra.empty() ? 0.0 : extra[i]);
        if (!(err <= allowed))
            QFAIL(qPrintable(QStringLiteral("%1: element %2 is %3, expected %4 (error %5, allowed %6)")
                                 .arg(what)
                                 .arg(i)
                                 .arg(double(got[i]), 0, 'g', 9)
                                 .arg(want[i], 0, 'g', 9)
                                 .arg(err, 0, 'g', 3)
                                 .arg(allowed, 0, 'g', 3)));
    }
}

// Restores best-target dispatch when a test leaves, also on failure.
struct TargetGuard {
    ~TargetGuard() { rwkv::cpu::forceSimdTarget(""); }
};

} // namespace

class TestCpuKernels : public QObject {
    Q_OBJECT

private:
    std::vector<std::string> m_targets;
    std::unique_ptr<CpuDevice> m_devices[2];

    // Runs check(device, label) for every SIMD target and both thread counts.
    template <typename Check>
    void forEachConfig(Check check)
    {
        TargetGuard guard;
        for (const std::string& target : m_targets) {
            QVERIFY(rwkv::cpu::forceSimdTarget(target));
            for (auto& device : m_devices) {
                const QString label = QString::fromStdString(target) + QStringLiteral(", %1 threads").arg(device->threads());
                check(*device, label);
                if (QTest::currentTestFailed()) return;
            }
        }
    }

private slots:
    void initTestCase()
    {
        m_targets = rwkv::cpu::availableSimdTargets();
        QVERIFY(!m_targets.empty());
        m_devices[0] = std::make_unique<CpuDevice>(1);
        m_devices[1] = std::make_unique<CpuDevice>(2);
        std::string names;
        for (const auto& t : m_targets) names += (names.empty() ? "" : " ") + t;
        qInfo("SIMD targets: %s; device: %s", names.c_str(), m_devices[1]->name().c_str());
        // The device reports the best target, the one chosen without forcing.
        QVERIFY(m_devices[1]->name().find("(" + m_targets.front() + ",") != std::string::npos);
    }

    void simdTargetSwitches()
    {
        TargetGuard guard;
        for (const std::string& target : m_targets) {
            QVERIFY(rwkv::cpu::forceSimdTarget(target));
            QVERIFY(m_devices[0]->name().find("(" + target + ",") != std::string::npos);
        }
        QVERIFY(!rwkv::cpu::forceSimdTarget("NO_SUCH_TARGET"));
    }

    // Every index exactly once, in grain-aligned ranges, whatever the thread count.
    void threadPoolCoversRange()
    {
        for (int threads : {1, 2, 3})
            for (int64_t n : {1, 2, 7, 100, 12345})
                for (int64_t grain : {1, 3, 64}) {
                    rwkv::cpu::ThreadPool pool(threads);
                    std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
                    std::atomic<bool> misaligned{false};
                    for (int repeat = 0; repeat < 3; ++repeat)
                        pool.parallelFor(n, grain, [&](int64_t begin, int64_t end) {
                            if (begin % grain != 0 || (end % grain != 0 && end != n) || begin >= end) misaligned = true;
                            for (int64_t i = begin; i < end; ++i) hits[size_t(i)].fetch_add(1);
                        });
                    QVERIFY(!misaligned);
                    for (int64_t i = 0; i < n; ++i) QCOMPARE(hits[size_t(i)].load(), 3);
                }
    }

    // Many short jobs back to back, as decode issues them: a worker still looking at the
    // previous job must never take part of the next one twice or run it with stale bounds.
    void threadPoolBackToBackJobs()
    {
        for (int threads : {2, 3}) {
            rwkv::cpu::ThreadPool pool(threads);
            std::atomic<int64_t> sum{0};
            int64_t expected = 0;
            for (int job = 0; job < 50000; ++job) {
                const int64_t n = 1 + job % 37;
                pool.parallelFor(n, 1 + job % 3, [&](int64_t begin, int64_t end) {
                    for (int64_t i = begin; i < end; ++i) sum.fetch_add(i + 1, std::memory_order_relaxed);
                });
                expected += n * (n + 1) / 2;
            }
            QCOMPARE(sum.load(), expected);
        }
    }

    void matmul_data()
    {
        QTest::addColumn<int>("T");
        QTest::addColumn<int>("I");
        QTest::addColumn<int>("O");
        QTest::addColumn<int>("dtype");
        // T ≤ 6 covers every streaming (decode) loop, 7-32 its groups of inputs (int8: T ≤ 8),
        // larger T the prefill loops. I = 1600 is cut into column blocks there, so partial sums
        // are accumulated; I ≤ 128 takes its outer-product form (and the grouped decode loop). int8 rows are whole blocks of 32
        // (weights.h), so its odd widths are 32 and 96 (3 blocks) instead of 7 and 33.
        for (int dtype : {int(DType::F32), int(DType::F16), int(DType::BF16), int(DType::Q8)})
            for (int T : {1, 2, 3, 4, 5, 6, 7, 8, 13, 16, 17, 32, 33, 128})
                for (int I0 : {7, 33, 768, 1600})
                    for (int O : {1, 5, 32, 768, 1000}) {
                        const int I = DType(dtype) != DType::Q8 ? I0 : I0 == 7 ? 32 : I0 == 33 ? 96 : I0;
                        QTest::newRow(qPrintable(QStringLiteral("%1 T%2 I%3 O%4")
                                                     .arg(QString::fromLatin1(rwkv::dtypeName(DType(dtype)).data()))
                                                     .arg(T)
                                                     .arg(I)
                                                     .arg(O)))
                            << T << I << O << dtype;
                    }
        // int8 decode takes each row's scales 256 blocks at a time: 258 blocks end in a short chunk.
        for (int T : {1, 3, 8})
            QTest::newRow(qPrintable(QStringLiteral("int8 T%1 I8256 O5").arg(T))) << T << 8256 << 5 << int(DType::Q8);
    }

    void matmul()
    {
        QFETCH(int, T);
        QFETCH(int, I);
        QFETCH(int, O);
        QFETCH(int, dtype);
        const DType type = DType(dtype);
        const uint32_t seed = uint32_t(T * 1000003 + I * 1009 + O);
        std::vector<float> x = normals(size_t(T) * I, seed);
        const std::vector<float> wf = normals(size_t(O) * I, seed + 1, 0.0f, 0.2f);

        std::vector<float> w32 = wf;
        std::vector<uint16_t> w16(wf.size());
        std::vector<double> wd(wf.size());
        for (size_t i = 0; i < wf.size(); ++i) {
            if (type == DType::F32) wd[i] = double(wf[i]);
            if (type == DType::F16) wd[i] = decodeF16(w16[i] = rwkv::floatToF16(wf[i]));
            if (type == DType::BF16) wd[i] = decodeBf16(w16[i] = rwkv::floatToBf16(wf[i]));
        }
        // int8: quantized by the code under test, decoded independently above; the kernels
        // must equal the product with those decoded weights (dequantize-then-fp32).
        std::vector<std::byte> w8;
        if (type == DType::Q8) {
            w8 = rwkv::quantizeQ8(wf, I);
            for (size_t i = 0; i < wf.size(); ++i) wd[i] = decodeQ8(w8, wf.size(), i);
        }
        void* data = type == DType::F32 ? static_cast<void*>(w32.data())
                                        : type == DType::Q8 ? static_cast<void*>(w8.data()) : w16.data();
        const DTensor weight{data, type, O, I};

        std::vector<double> want(size_t(T) * O), scale(size_t(T) * O);
        for (int t = 0; t < T; ++t)
            for (int o = 0; o < O; ++o) {
                double acc = 0.0, mag = 0.0;
                for (int i = 0; i < I; ++i) {
                    const double p = double(x[size_t(t) * I + i]) * wd[size_t(o) * I + i];
                    acc += p;
                    mag += std::fabs(p);
                }
                want[size_t(t) * O + o] = acc;
                scale[size_t(t) * O + o] = mag;
            }

        // int8 decode rounds the input rows to int16 blocks (support/input_rounding.h).
        const std::vector<double> rounding = type == DType::Q8 && T <= 8 ? rwkv::test::inputRoundingBound(x, wd, I, O, 32767)
                                                                         : std::vector<double>{};
        // fp32 activations otherwise: the AVX512-BF16 prefill, with its own bounds, is
        // test_cpu_bf16_dot's.
        const bool dotWasOn = rwkv::cpu::bf16DotEnabled();
        rwkv::cpu::setBf16DotEnabled(false);
        forEachConfig([&](CpuDevice& device, const QString& label) {
            std::vector<float> y(size_t(T) * O, std::nanf(""));
            device.matmul(view(y, T, O), view(x, T, I), weight);
            expectClose(y, want, scale, 1e-5, 1e-30, label, rounding);
        });
        rwkv::cpu::setBf16DotEnabled(dotWasOn);
    }

    void wkv7_data()
    {
        QTest::addColumn<int>("heads");
        QTest::addColumn<int>("headSize");
        QTest::addColumn<int>("T");
        for (int T : {1, 5, 33}) {
            QTest::newRow(qPrintable(QStringLiteral("H3 N64 T%1").arg(T))) << 3 << 64 << T;
            // Head sizes the vector path cannot tile on every target fall back to the scalar loop.
            QTest::newRow(qPrintable(QStringLiteral("H5 N8 T%1").arg(T))) << 5 << 8 << T;
            QTest::newRow(qPrintable(QStringLiteral("H2 N6 T%1").arg(T))) << 2 << 6 << T;
        }
    }

    void wkv7()
    {
        QFETCH(int, heads);
        QFETCH(int, headSize);
        QFETCH(int, T);
        const int N = headSize, C = heads * N;
        const uint32_t seed = uint32_t(heads * 7919 + N * 31 + T);
        std::vector<float> r = normals(size_t(T) * C, seed), k = normals(size_t(T) * C, seed + 1);
        std::vector<float> v = normals(size_t(T) * C, seed + 2);
        const std::vector<float> aIn = uniforms(size_t(T) * C, seed + 3, 0.0f, 1.0f);
        // Decays at both ends of RWKV-7's range (0.5452, 1): fast forgetting and near-memory.
        std::vector<float> w = uniforms(size_t(T) * C, seed + 4, 0.0f, 1.0f);
        for (size_t i = 0; i < w.size(); ++i) w[i] = i % 2 ? 0.5453f + 0.001f * w[i] : 0.99999f - 0.0001f * w[i];
        // α = −κ, β = κ⊙a with κ a unit vector per head, as the model produces them; arbitrary
        // α, β would let the state grow without bound.
        std::vector<float> alpha(size_t(T) * C), beta(size_t(T) * C);
        const std::vector<float> kappaRaw = normals(size_t(T) * C, seed + 5);
        for (int t = 0; t < T; ++t)
            for (int h = 0; h < heads; ++h) {
                const size_t o = size_t(t) * C + size_t(h) * N;
                double norm = 0.0;
                for (int j = 0; j < N; ++j) norm += double(kappaRaw[o + j]) * kappaRaw[o + j];
                for (int j = 0; j < N; ++j) {
                    const float kappa = float(kappaRaw[o + j] / std::sqrt(norm));
                    alpha[o + j] = -kappa;
                    beta[o + j] = kappa * aIn[o + j];
                }
            }
        const std::vector<float> state0 = normals(size_t(C) * N, seed + 6, 0.0f, 0.5f);

        std::vector<double> S(state0.begin(), state0.end()), yWant(size_t(T) * C), yScale(size_t(T) * C);
        for (int h = 0; h < heads; ++h)
            for (int t = 0; t < T; ++t) {
                const size_t o = size_t(t) * C + size_t(h) * N;
                for (int i = 0; i < N; ++i) {
                    double* row = S.data() + (size_t(h) * N + i) * N;
                    double sa = 0.0;
                    for (int j = 0; j < N; ++j) sa += row[j] * alpha[o + j];
                    double y = 0.0, mag = 0.0;
                    for (int j = 0; j < N; ++j) {
                        row[j] = row[j] * w[o + j] + sa * beta[o + j] + double(v[o + i]) * k[o + j];
                        y += row[j] * r[o + j];
                        mag += std::fabs(row[j] * r[o + j]);
                    }
                    yWant[o + i] = y;
                    yScale[o + i] = mag;
                }
            }
        // State elements are compared against the scale of their head's whole state.
        std::vector<double> sScale(S.size());
        for (int h = 0; h < heads; ++h) {
            double maxAbs = 0.0;
            for (size_t i = size_t(h) * N * N; i < size_t(h + 1) * N * N; ++i)
                maxAbs = std::max(maxAbs, std::fabs(S[i]));
            for (size_t i = size_t(h) * N * N; i < size_t(h + 1) * N * N; ++i) sScale[i] = maxAbs;
        }

        forEachConfig([&](CpuDevice& device, const QString& label) {
            std::vector<float> state = state0, y(size_t(T) * C, std::nanf(""));
            device.wkv7(view(y, T, C), view(state, int64_t(C), N), view(r, T, C), view(w, T, C), view(k, T, C),
                        view(v, T, C), view(alpha, T, C), view(beta, T, C), N);
            expectClose(y, yWant, yScale, 1e-5, 1e-30, label + " y");
            expectClose(state, S, sScale, 1e-5, 1e-30, label + " state");
        });
    }

    void norms_data()
    {
        QTest::addColumn<int>("rows");
        QTest::addColumn<int>("cols");
        QTest::addColumn<int>("groupSize");
        QTest::addColumn<float>("eps");
        QTest::newRow("layer C768") << 3 << 768 << 768 << 1e-5f;
        QTest::newRow("layer C7") << 4 << 7 << 7 << 1e-5f;
        QTest::newRow("layer C1000") << 2 << 1000 << 1000 << 1e-5f;
        QTest::newRow("group N64") << 5 << 768 << 64 << 64e-5f;
        QTest::newRow("group N6") << 3 << 30 << 6 << 64e-5f;
        QTest::newRow("group N33") << 2 << 99 << 33 << 64e-5f;
    }

    void norms()
    {
        QFETCH(int, rows);
        QFETCH(int, cols);
        QFETCH(int, groupSize);
        QFETCH(float, eps);
        const uint32_t seed = uint32_t(rows * 131 + cols + groupSize);
        // A large common offset: a one-pass variance would lose it.
        std::vector<float> x = normals(size_t(rows) * cols, seed, 40.0f, 2.0f);
        std::vector<float> w = normals(size_t(cols), seed + 1), b = normals(size_t(cols), seed + 2);
        std::vector<double> want(x.size()), scale(x.size());
        for (int t = 0; t < rows; ++t)
            for (int g0 = 0; g0 < cols; g0 += groupSize) {
                const float* px = x.data() + size_t(t) * cols + g0;
                double mean = 0.0, var = 0.0;
                for (int c = 0; c < groupSize; ++c) mean += px[c];
                mean /= groupSize;
                for (int c = 0; c < groupSize; ++c) var += (px[c] - mean) * (px[c] - mean);
                const double inv = 1.0 / std::sqrt(var / groupSize + double(eps));
                for (int c = 0; c < groupSize; ++c) {
                    const double normed = (px[c] - mean) * inv;
                    want[size_t(t) * cols + g0 + c] = normed * w[g0 + c] + b[g0 + c];
                    scale[size_t(t) * cols + g0 + c] = std::fabs(normed * w[g0 + c]) + std::fabs(b[g0 + c]) + 1.0;
                }
            }
        forEachConfig([&](CpuDevice& device, const QString& label) {
            std::vector<float> y(x.size(), std::nanf(""));
            if (groupSize == cols)
                device.layerNorm(view(y, rows, cols), view(x, rows, cols), view(w, 1, cols), view(b, 1, cols), eps);
            else
                device.groupNorm(view(y, rows, cols), view(x, rows, cols), view(w, 1, cols), view(b, 1, cols),
                                 groupSize, eps);
            expectClose(y, want, scale, 1e-5, 0.0, label);
            // In place, as the model calls GroupNorm.
            std::vector<float> inPlace = x;
            if (groupSize != cols) {
                device.groupNorm(view(inPlace, rows, cols), view(inPlace, rows, cols), view(w, 1, cols),
                                 view(b, 1, cols), groupSize, eps);
                expectClose(inPlace, want, scale, 1e-5, 0.0, label + " in place");
            }
        });
    }

    void lerpAndBinary_data()
    {
        QTest::addColumn<int>("rows");
        QTest::addColumn<int>("cols");
        QTest::addColumn<bool>("broadcastA");
        QTest::addColumn<bool>("broadcastB");
        QTest::addColumn<bool>("broadcastT");
        for (int cols : {5, 37, 768})
            for (int mask = 0; mask < 8; ++mask)
                QTest::newRow(qPrintable(QStringLiteral("C%1 bcast%2%3%4")
                                             .arg(cols)
                                             .arg(mask & 1 ? "a" : "")
                                             .arg(mask & 2 ? "b" : "")
                                             .arg(mask & 4 ? "t" : "")))
                    << 3 << cols << bool(mask & 1) << bool(mask & 2) << bool(mask & 4);
    }

    void lerpAndBinary()
    {
        QFETCH(int, rows);
        QFETCH(int, cols);
        QFETCH(bool, broadcastA);
        QFETCH(bool, broadcastB);
        QFETCH(bool, broadcastT);
        const int ra = broadcastA ? 1 : rows, rb = broadcastB ? 1 : rows, rt = broadcastT ? 1 : rows;
        const uint32_t seed = uint32_t(cols * 17 + ra * 5 + rb * 3 + rt);
        std::vector<float> a = normals(size_t(ra) * cols, seed), b = normals(size_t(rb) * cols, seed + 1);
        std::vector<float> t = uniforms(size_t(rt) * cols, seed + 2, -0.5f, 1.5f);
        const size_t n = size_t(rows) * cols;
        std::vector<double> lerpWant(n), lerpScale(n), addWant(n), mulWant(n), addScale(n), mulScale(n);
        for (int r = 0; r < rows; ++r)
            for (int c = 0; c < cols; ++c) {
                const double va = a[size_t(broadcastA ? 0 : r) * cols + c];
                const double vb = b[size_t(broadcastB ? 0 : r) * cols + c];
                const double vt = t[size_t(broadcastT ? 0 : r) * cols + c];
                const size_t i = size_t(r) * cols + c;
                lerpWant[i] = va + (vb - va) * vt;
                lerpScale[i] = std::fabs(va) + (std::fabs(va) + std::fabs(vb)) * std::fabs(vt);
                addWant[i] = va + vb;
                addScale[i] = std::fabs(va) + std::fabs(vb);
                mulWant[i] = va * vb;
                mulScale[i] = std::fabs(va * vb);
            }
        forEachConfig([&](CpuDevice& device, const QString& label) {
            std::vector<float> out(n, std::nanf(""));
            device.lerp(view(out, rows, cols), view(a, ra, cols), view(b, rb, cols), view(t, rt, cols));
            expectClose(out, lerpWant, lerpScale, 1e-6, 0.0, label + " lerp");
            if (broadcastA) return; // out may alias a only when a has every row
            std::vector<float> inPlace = a;
            device.lerp(view(inPlace, rows, cols), view(inPlace, rows, cols), view(b, rb, cols), view(t, rt, cols));
            expectClose(inPlace, lerpWant, lerpScale, 1e-6, 0.0, label + " lerp in place");
            device.binary(BinaryOp::Add, view(out, rows, cols), view(a, rows, cols), view(b, rb, cols));
            expectClose(out, addWant, addScale, 1e-7, 0.0, label + " add");
            inPlace = a;
            device.binary(BinaryOp::Mul, view(inPlace, rows, cols), view(inPlace, rows, cols), view(b, rb, cols));
            expectClose(inPlace, mulWant, mulScale, 1e-7, 0.0, label + " mul in place");
        });
    }

    void unary_data()
    {
        QTest::addColumn<int>("op");
        QTest::addColumn<int>("n");
        const std::pair<UnaryOp, const char*> ops[] = {{UnaryOp::Tanh, "tanh"},       {UnaryOp::Sigmoid, "sigmoid"},
                                                       {UnaryOp::ReluSquare, "relu2"}, {UnaryOp::Silu, "silu"},
                                                       {UnaryOp::Decay6, "decay6"},   {UnaryOp::Decay7, "decay7"}};
        for (const auto& [op, name] : ops)
            for (int n : {1, 37, 1000})
                QTest::newRow(qPrintable(QStringLiteral("%1 n%2").arg(name).arg(n))) << int(op) << n;
    }

    void unary()
    {
        QFETCH(int, op);
        QFETCH(int, n);
        std::vector<float> x = uniforms(size_t(n), uint32_t(op * 100 + n), -12.0f, 12.0f);
        // Large |x| where exp overflows or underflows, and the edges of fp32 exp's range.
        const float special[] = {0.0f, -0.0f, 1e-8f, -1e-8f, 30.0f, -30.0f, 87.0f, -87.0f, 89.0f, -89.0f,
                                 100.0f, -100.0f, 105.0f, -105.0f, 1000.0f, -1000.0f, 3.4e38f, -3.4e38f};
        for (size_t i = 0; i < std::size(special); ++i)
            if (UnaryOp(op) != UnaryOp::ReluSquare || std::fabs(special[i]) < 1e18f) // x² would overflow fp32
                x[(i * 7) % x.size()] = special[i];
        std::vector<double> want(x.size()), scale(x.size());
        for (size_t i = 0; i < x.size(); ++i) {
            const double v = x[i], sig = 1.0 / (1.0 + std::exp(-v));
            switch (UnaryOp(op)) {
            case UnaryOp::Tanh: want[i] = std::tanh(v); break;
            case UnaryOp::Sigmoid: want[i] = sig; break;
            case UnaryOp::ReluSquare: want[i] = v > 0 ? v * v : 0.0; break;
            case UnaryOp::Silu: want[i] = v * sig; break;
            case UnaryOp::Decay6: want[i] = std::exp(-std::exp(v)); break;
            case UnaryOp::Decay7: want[i] = std::exp(-0.606531 * sig); break;
            }
            // exp(−exp(x)) amplifies the fp32 rounding of its input by exp(x): the relative
            // error grows with exp(x) whatever the implementation.
            const bool decay6 = UnaryOp(op) == UnaryOp::Decay6 && want[i] > 0.0;
            scale[i] = decay6 ? want[i] * std::max(1.0, std::exp(v)) : std::fabs(want[i]);
        }
        forEachConfig([&](CpuDevice& device, const QString& label) {
            std::vector<float> y(x.size(), std::nanf(""));
            device.unary(UnaryOp(op), view(y, 1, n), view(x, 1, n));
            // Values below FLT_MIN are subnormal in fp32 and keep only absolute accuracy.
            expectClose(y, want, scale, 1e-6, 1e-37, label);
        });
    }

    void rwkv7KeyPrep_data()
    {
        QTest::addColumn<int>("rows");
        QTest::addColumn<int>("heads");
        QTest::addColumn<int>("headSize");
        QTest::newRow("T1 H12 N64") << 1 << 12 << 64;
        QTest::newRow("T4 H3 N64") << 4 << 3 << 64;
        QTest::newRow("T3 H4 N6") << 3 << 4 << 6;
        QTest::newRow("T2 H3 N20") << 2 << 3 << 20;
    }

    void rwkv7KeyPrep()
    {
        QFETCH(int, rows);
        QFETCH(int, heads);
        QFETCH(int, headSize);
        const int N = headSize, C = heads * N;
        const uint32_t seed = uint32_t(rows * 97 + C);
        std::vector<float> k = normals(size_t(rows) * C, seed), a = uniforms(size_t(rows) * C, seed + 1, 0.0f, 1.0f);
        std::vector<float> kK = normals(size_t(C), seed + 2, 1.0f, 0.3f), kA = normals(size_t(C), seed + 3, 1.0f, 0.3f);
        // One head of an all-zero key: normalising it must give zeros, not NaN.
        for (int j = 0; j < N; ++j) k[size_t(N) + j] = 0.0f;
        const size_t n = size_t(rows) * C;
        std::vector<double> alphaWant(n), betaWant(n), kWant(n), kappaScale(n), betaScale(n), kScale(n);
        for (int t = 0; t < rows; ++t)
            for (int h = 0; h < heads; ++h) {
                const size_t o = size_t(t) * C + size_t(h) * N;
                double norm = 0.0;
                for (int j = 0; j < N; ++j) norm += std::pow(double(k[o + j]) * kK[size_t(h) * N + j], 2);
                const double inv = 1.0 / std::max(std::sqrt(norm), 1e-12);
                for (int j = 0; j < N; ++j) {
                    const size_t c = size_t(h) * N + j;
                    const double kappa = double(k[o + j]) * kK[c] * inv;
                    alphaWant[o + j] = -kappa;
                    betaWant[o + j] = kappa * a[o + j];
                    kWant[o + j] = double(k[o + j]) * (1.0 + (double(a[o + j]) - 1.0) * kA[c]);
                    kappaScale[o + j] = std::fabs(kappa);
                    betaScale[o + j] = std::fabs(kappa * a[o + j]);
                    kScale[o + j] = std::fabs(double(k[o + j])) * (1.0 + std::fabs((double(a[o + j]) - 1.0) * kA[c]));
                }
            }
        forEachConfig([&](CpuDevice& device, const QString& label) {
            std::vector<float> kk = k, alpha(n, std::nanf("")), beta(n, std::nanf(""));
            std::vector<float> aa = a;
            device.rwkv7KeyPrep(view(kk, rows, C), view(alpha, rows, C), view(beta, rows, C), view(aa, rows, C),
                                view(kK, 1, C), view(kA, 1, C), N);
            expectClose(alpha, alphaWant, kappaScale, 1e-5, 0.0, label + " alpha");
            expectClose(beta, betaWant, betaScale, 1e-5, 0.0, label + " beta");
            expectClose(kk, kWant, kScale, 1e-6, 0.0, label + " k");
        });
    }

    void rwkv7Bonus_data()
    {
        QTest::addColumn<int>("rows");
        QTest::addColumn<int>("heads");
        QTest::addColumn<int>("headSize");
        QTest::newRow("T1 H12 N64") << 1 << 12 << 64;
        QTest::newRow("T5 H3 N64") << 5 << 3 << 64;
        QTest::newRow("T3 H4 N6") << 3 << 4 << 6;
        QTest::newRow("T2 H2 N20") << 2 << 2 << 20;
    }

    void rwkv7Bonus()
    {
        QFETCH(int, rows);
        QFETCH(int, heads);
        QFETCH(int, headSize);
        const int N = headSize, C = heads * N;
        const uint32_t seed = uint32_t(rows * 89 + C);
        std::vector<float> o0 = normals(size_t(rows) * C, seed), r = normals(size_t(rows) * C, seed + 1);
        std::vector<float> k = normals(size_t(rows) * C, seed + 2), v = normals(size_t(rows) * C, seed + 3);
        std::vector<float> rK = normals(size_t(C), seed + 4);
        std::vector<double> want(o0.size()), scale(o0.size());
        for (int t = 0; t < rows; ++t)
            for (int h = 0; h < heads; ++h) {
                const size_t base = size_t(t) * C + size_t(h) * N;
                double s = 0.0, mag = 0.0;
                for (int j = 0; j < N; ++j) {
                    const double p = double(r[base + j]) * k[base + j] * rK[size_t(h) * N + j];
                    s += p;
                    mag += std::fabs(p);
                }
                for (int j = 0; j < N; ++j) {
                    want[base + j] = o0[base + j] + s * v[base + j];
                    scale[base + j] = std::fabs(o0[base + j]) + mag * std::fabs(v[base + j]);
                }
            }
        forEachConfig([&](CpuDevice& device, const QString& label) {
            std::vector<float> o = o0;
            device.rwkv7Bonus(view(o, rows, C), view(r, rows, C), view(k, rows, C), view(v, rows, C), view(rK, 1, C),
                              N);
            expectClose(o, want, scale, 1e-5, 0.0, label);
        });
    }
};

QTEST_GUILESS_MAIN(TestCpuKernels)
#include "test_cpu_kernels.moc"
