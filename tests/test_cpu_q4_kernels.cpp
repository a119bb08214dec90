// The CPU matmul with 4-bit weights (DType::Q4, core/quantize.h) against a dequantize-then-
// multiply reference in double precision written here: the weights are quantized by the code
// under test, decoded by tests/support/weight_decode.h (not core's decoder), and the kernels
// must equal the product with those decoded weights, on every SIMD target this machine can
// run, with 1 and 2 threads, on the decode (streaming) and prefill (GEMM) paths; and that a
// non-finite input stays NaN through the integer-rounded decode (int8 weights too). The other weight
// types' matmul checks are test_cpu_kernels'.
#include "backends/cpu/cpu_device.h"
#include "backends/cpu/simd_dispatch.h"
#include "core/dtype.h"
#include "core/quantize.h"
#include "support/device_compare.h"
#include "support/input_rounding.h"
#include "support/weight_decode.h"

#include <QtTest>

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

using rwkv::DTensor;
using rwkv::DType;
using rwkv::cpu::CpuDevice;

namespace {

// Restores best-target dispatch when a test leaves, also on failure.
struct TargetGuard {
    ~TargetGuard() { rwkv::cpu::forceSimdTarget(""); }
};

} // namespace

class TestCpuQ4Kernels : public QObject {
    Q_OBJECT

private:
    std::vector<std::string> m_targets;
    std::unique_ptr<CpuDevice> m_devices[2];

private slots:
    void initTestCase()
    {
        m_targets = rwkv::cpu::availableSimdTargets();
        QVERIFY(!m_targets.empty());
        m_devices[0] = std::make_unique<CpuDevice>(1);
        m_devices[1] = std::make_unique<CpuDevice>(2);
    }

    void matmul_data()
    {
        QTest::addColumn<int>("T");
        QTest::addColumn<int>("I");
        QTest::addColumn<int>("O");
        // T ≤ 16 covers every streaming (decode) loop (past 6 or 4 inputs, in groups), larger T
        // the prefill GEMM. Rows are whole blocks of 32 (weights.h); I ≤ 128 takes the GEMM's
        // outer-product form and the grouped decode loop, I ≥ 256 the one-row decode loop,
        // I = 1600 the GEMM's column blocks.
        for (int T : {1, 2, 3, 4, 5, 6, 7, 8, 13, 16, 17, 33})
            for (int I : {32, 96, 768, 1600})
                for (int O : {1, 5, 32, 300})
                    QTest::newRow(qPrintable(QStringLiteral("T%1 I%2 O%3").arg(T).arg(I).arg(O))) << T << I << O;
        // Decode takes each row's scales 256 blocks at a time: 258 blocks end in a short chunk.
        for (int T : {1, 3, 8})
            QTest::newRow(qPrintable(QStringLiteral("T%1 I8256 O5").arg(T))) << T << 8256 << 5;
    }

    void matmul()
    {
        QFETCH(int, T);
        QFETCH(int, I);
        QFETCH(int, O);
        const uint32_t seed = uint32_t(T * 1000003 + I * 1009 + O);
        std::vector<float> x = rwkv::test::normals(size_t(T) * I, seed);
        std::vector<float> wf = rwkv::test::normals(size_t(O) * I, seed + 1, 0.0f, 0.2f);
        // Blocks of very different sizes and signs of their extreme value, so scales of both
        // signs and of many magnitudes meet every lane position.
        for (size_t i = 0; i < wf.size(); ++i) wf[i] *= std::ldexp(1.0f, int(i / 32 % 7) - 3);
        std::vector<std::byte> q = rwkv::quantizeQ4(wf, I);
        QCOMPARE(q.size(), wf.size() / 2 + wf.size() / 32 * 2);
        std::vector<double> wd(wf.size());
        for (size_t i = 0; i < wf.size(); ++i) wd[i] = rwkv::test::decodeQ4(q, wf.size(), i);
        const DTensor weight{q.data(), DType::Q4, O, I};

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

        // Decode (T ≤ 16, kMaxIntRows) rounds the input rows to int8 blocks (support/input_rounding.h).
        const std::vector<double> rounding = T <= 16 ? rwkv::test::inputRoundingBound(x, wd, size_t(I), size_t(O), 127)
                                                    : std::vector<double>(size_t(T) * O, 0.0);
        TargetGuard guard;
        for (const std::string& target : m_targets) {
            QVERIFY(rwkv::cpu::forceSimdTarget(target));
            for (auto& device : m_devices) {
                std::vector<float> y(size_t(T) * O, std::nanf(""));
                device->matmul(rwkv::test::view(y, T, O), rwkv::test::view(x, T, I), weight);
                // Each weight is exact in fp32 ((code - 8) · d), so only the fp32 sums differ,
                // by at most a few ulps of Σ|x·w| (test_cpu_kernels' bound), and the rounding.
                for (size_t i = 0; i < y.size(); ++i)
                    if (!(std::fabs(double(y[i]) - want[i]) <= 1e-5 * scale[i] + rounding[i] + 1e-30))
                        QFAIL(qPrintable(QStringLiteral("%1, %2 threads: element %3 is %4, expected %5")
                                             .arg(QString::fromStdString(target))
                                             .arg(device->threads())
                                             .arg(i)
                                             .arg(double(y[i]), 0, 'g', 9)
                                             .arg(want[i], 0, 'g', 9)));
            }
        }
    }

    // Decode rounds the input to integer blocks; an input that is ±inf or NaN must still make
    // every output NaN, as fp32 arithmetic would, for int8 and q4 weights on every target.
    void nonFiniteInputStaysNaN()
    {
        const int I = 96, O = 5;
        const std::vector<float> wf = rwkv::test::normals(size_t(O) * I, 7, 0.0f, 0.2f);
        std::vector<std::byte> q8 = rwkv::quantizeQ8(wf, I), q4 = rwkv::quantizeQ4(wf, I);
        TargetGuard guard;
        for (const std::string& target : m_targets) {
            QVERIFY(rwkv::cpu::forceSimdTarget(target));
            for (float bad : {std::numeric_limits<float>::infinity(), std::nanf("")})
                for (const DTensor& weight : {DTensor{q8.data(), DType::Q8, O, I}, DTensor{q4.data(), DType::Q4, O, I}}) {
                    std::vector<float> x = rwkv::test::normals(size_t(I), 8);
                    x[40] = bad;
                    std::vector<float> y(size_t(O), 0.0f);
                    m_devices[0]->matmul(rwkv::test::view(y, 1, O), rwkv::test::view(x, 1, I), weight);
                    for (float v : y) QVERIFY2(std::isnan(v), qPrintable(QString::fromStdString(target)));
                }
        }
    }
};

QTEST_GUILESS_MAIN(TestCpuQ4Kernels)
#include "test_cpu_q4_kernels.moc"
