// The AMX prefill matmul (backends/cpu/gemm_amx.h) against a double-precision loop written
// here, and the rule that chooses it: bf16 weights, prefill past 16 rows (fewer take the
// decode loops), an AVX-512 target, on by default. Skipped where the CPU or OS has no AMX (a
// skip, not a pass).
//
// Error bound. The weights are bf16 (exact). Each activation is split into three bf16 terms,
// hi = bf16(x), mid = bf16(x − hi), lo = bf16(x − hi − mid), each difference exact in fp32, so
// the split misses at most 2^-8·2^-8·2^-8 |x| = 2^-24 |x|. Products of bf16 are exact in fp32;
// each output is then a sequential fp32 sum of m ≈ 3·⌈I/32⌉ tile partials. Its rounding
// errors, independent, of RMS u/√3 each (u = 2^-24) on partial sums below Σ|x·w|, stay within
// 2·√m·u·Σ|x·w| (two standard deviations of the random-walk sum would be 2·√(m/3)·u; the rest is
// margin). So per element |ỹ − y| ≤ (2^-24 + 2·√m·2^-24)·Σ|x·w|. Two terms instead of three
// (2^-16) break it at small I (measured 4.6e-6 at I = 7, where the bound is 4e-7).
#include "backends/cpu/cpu_device.h"
#include "backends/cpu/gemm_amx.h"
#include "backends/cpu/simd_dispatch.h"
#include "backends/cpu/thread_pool.h"
#include "core/dtype.h"
#include "support/bf16_matmul_problem.h"
#include "support/device_compare.h"

#include <QtTest>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

using rwkv::DTensor;
using rwkv::DType;
using rwkv::cpu::AmxState;
using rwkv::test::Bf16MatmulProblem;
using rwkv::test::makeBf16MatmulProblem;
using rwkv::test::view;

namespace {

// The bound above, relative to Σ|x·w|, for I columns.
double allowedError(int I)
{
    const double u = std::ldexp(1.0, -24), m = 3.0 * ((I + 31) / 32) + 5.0; // + the pairs inside a tile
    return u + 2.0 * std::sqrt(m) * u;
}

// Leaves the path switched as it found it, and best-target dispatch, also on failure.
struct Restore {
    bool wasOn = rwkv::cpu::amxEnabled();
    ~Restore()
    {
        rwkv::cpu::setAmxEnabled(wasOn);
        rwkv::cpu::forceSimdTarget("");
    }
};

bool available()
{
    const AmxState s = rwkv::cpu::amxState();
    return s == AmxState::On || s == AmxState::Off;
}

} // namespace

class TestCpuAmx : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { qInfo("bf16 prefill: %s", rwkv::cpu::CpuDevice::kernelSummary().c_str()); }

    void kernel_data()
    {
        QTest::addColumn<int>("T");
        QTest::addColumn<int>("I");
        QTest::addColumn<int>("O");
        // I: less than one tile's 32 columns, odd, whole tiles, a model width, and wide enough
        // that a row block holds one pair of row tiles (4100). T: less than a tile, a tile and
        // a tail, many tiles, and more rows than one block at I = 768. O: less than a weight
        // tile, one 32-row block and a tail, several blocks (split between the threads).
        for (int T : {7, 17, 100})
            for (int I : {7, 129, 768, 4100})
                for (int O : {1, 37, 130})
                    QTest::newRow(qPrintable(QStringLiteral("T%1 I%2 O%3").arg(T).arg(I).arg(O))) << T << I << O;
        QTest::newRow("T400 I768 O96") << 400 << 768 << 96;
    }

    void kernel()
    {
        if (!available()) QSKIP("this build, CPU or OS has no AMX");
        QFETCH(int, T);
        QFETCH(int, I);
        QFETCH(int, O);
        const Bf16MatmulProblem p = makeBf16MatmulProblem(T, I, O);
        for (int threads : {1, 2}) {
            rwkv::cpu::ThreadPool pool(threads);
            std::vector<float> y(size_t(T) * O, std::nanf(""));
            rwkv::cpu::gemmAmx(pool, y.data(), p.x.data(), p.w.data(), size_t(T), size_t(I), size_t(O));
            double worst = 0;
            for (size_t i = 0; i < y.size(); ++i) {
                const double err = std::fabs(double(y[i]) - p.want[i]);
                const double allowed = allowedError(I) * p.scale[i];
                QVERIFY2(err <= allowed, qPrintable(QStringLiteral("%1 threads: element %2 is %3, expected %4 (allowed %5)")
                                                         .arg(threads).arg(i).arg(double(y[i]), 0, 'g', 9)
                                                         .arg(p.want[i], 0, 'g', 9).arg(allowed, 0, 'g', 3)));
                worst = std::max(worst, err / p.scale[i]);
            }
            if (threads == 2) qInfo("max |error|/Σ|x·w| %.3g (allowed %.3g)", worst, allowedError(I));
        }
    }

    // An Inf or NaN activation (here one in a partial tile) reaches its own output row only.
    void nonFinite()
    {
        if (!available()) QSKIP("this build, CPU or OS has no AMX");
        const int T = 20, I = 200, O = 40;
        Bf16MatmulProblem p = makeBf16MatmulProblem(T, I, O);
        p.x[size_t(2) * I + 5] = INFINITY;
        p.x[size_t(17) * I + 199] = std::nanf("");
        rwkv::cpu::ThreadPool pool(2);
        std::vector<float> y(size_t(T) * O);
        rwkv::cpu::gemmAmx(pool, y.data(), p.x.data(), p.w.data(), T, I, O);
        const std::string problem = rwkv::test::nonFiniteRowsProblem(y, T, O, {2, 17});
        QVERIFY2(problem.empty(), problem.c_str());
    }

    // device.matmul takes the tiles exactly where the rule says, bit for bit the same result
    // as gemmAmx there and as the fp32 path (switched off) everywhere else.
    void dispatch()
    {
        if (!available()) QSKIP("this build, CPU or OS has no AMX");
        Restore restore;
        QCOMPARE(rwkv::cpu::amxState(), AmxState::On); // the default
        rwkv::cpu::CpuDevice device(2);
        rwkv::cpu::ThreadPool pool(2);
        struct Shape {
            int T, I;
        };
        for (const std::string& target : rwkv::cpu::availableSimdTargets())
            for (const Shape s : {Shape{33, 768}, Shape{20, 200}, Shape{16, 768}, Shape{7, 200}, Shape{40, 64}}) {
                const int O = 70;
                Bf16MatmulProblem p = makeBf16MatmulProblem(s.T, s.I, O);
                const DTensor weight{p.w.data(), DType::BF16, O, s.I};
                QVERIFY(rwkv::cpu::forceSimdTarget(target));
                std::vector<float> fp32(size_t(s.T) * O), chosen(fp32.size()), amx(fp32.size());
                rwkv::cpu::setAmxEnabled(false);
                device.matmul(view(fp32, s.T, O), view(p.x, s.T, s.I), weight);
                rwkv::cpu::setAmxEnabled(true);
                device.matmul(view(chosen, s.T, O), view(p.x, s.T, s.I), weight);
                rwkv::cpu::gemmAmx(pool, amx.data(), p.x.data(), p.w.data(), size_t(s.T), size_t(s.I), O);
                const bool expectAmx = target.rfind("AVX3", 0) == 0 && s.T > 16;
                const std::vector<float>& want = expectAmx ? amx : fp32;
                QVERIFY2(std::memcmp(chosen.data(), want.data(), want.size() * sizeof(float)) == 0,
                         qPrintable(QStringLiteral("%1 T%2 I%3: expected the %4 path")
                                        .arg(QString::fromStdString(target)).arg(s.T).arg(s.I)
                                        .arg(expectAmx ? "AMX" : "fp32")));
                if (expectAmx) QVERIFY(std::memcmp(fp32.data(), amx.data(), amx.size() * sizeof(float)) != 0);
            }
    }
};

QTEST_GUILESS_MAIN(TestCpuAmx)
#include "test_cpu_amx.moc"
