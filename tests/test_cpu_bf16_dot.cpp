// The AVX512-BF16 prefill matmul (backends/cpu/gemm_bf16.h) against a double-precision loop
// written here, with bounds derived from rounding the activations to bf16, and the rule that
// chooses it: bf16 weights, prefill (T > 16: up to 16 rows take the decode loops), I > 128, an
// AVX-512 target, and not turned off.
//
// Error analysis. The weights are bf16 already (exact); each activation is rounded to bf16
// (8-bit significand, round to nearest even): x̃ = x(1 + δ), |δ| ≤ 2^-8. Products of two bf16
// are exact in fp32 and the sums are fp32. So for y = Σ x_i w_i:
//  * per element, |ỹ − y| ≤ 2^-8 Σ|x_i w_i| + (fp32 summation, 1e-5 Σ|x_i w_i| as in
//    test_cpu_kernels);
//  * on average, the rounding error of x in [2^e, 2^e+1) is uniform over ±ulp/2 with
//    ulp = 2^(e-7), so E[δ²] ≤ (2^(e-7))²/12 / 2^2e = 2^-16/3 (RMS ≈ 2^-9), and with
//    independent δ_i, E[Σ(ỹ − y)²] ≤ 2^-16/3 · Σ_o Σ_i (x_i w_i)². NMSE = Σ(ỹ − y)² / Σ y² may be
//    at most twice that prediction (the sums hold thousands of terms or more).
#include "backends/cpu/cpu_device.h"
#include "backends/cpu/gemm_amx.h"
#include "backends/cpu/gemm_bf16.h"
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
using rwkv::cpu::Bf16DotState;
using rwkv::test::Bf16MatmulProblem;
using rwkv::test::makeBf16MatmulProblem;
using rwkv::test::view;

namespace {

// Leaves the path switched as it found it, and best-target dispatch, also on failure. AMX,
// where present, is switched off meanwhile: it comes before this path (test_cpu_amx).
struct Restore {
    bool wasOn = rwkv::cpu::bf16DotEnabled();
    bool amxWasOn = rwkv::cpu::amxEnabled();
    Restore() { rwkv::cpu::setAmxEnabled(false); }
    ~Restore()
    {
        rwkv::cpu::setBf16DotEnabled(wasOn);
        rwkv::cpu::setAmxEnabled(amxWasOn);
        rwkv::cpu::forceSimdTarget("");
    }
};

bool available()
{
    const Bf16DotState s = rwkv::cpu::bf16DotState();
    return s == Bf16DotState::On || s == Bf16DotState::Off;
}

} // namespace

class TestCpuBf16Dot : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        qInfo("AVX512-BF16 prefill: %s", rwkv::cpu::CpuDevice::kernelSummary().c_str());
    }

    void kernel_data()
    {
        QTest::addColumn<int>("T");
        QTest::addColumn<int>("I");
        QTest::addColumn<int>("O");
        // I: one partial vector, odd, whole vectors, model widths, and wide enough to be cut
        // into column blocks (2560 → 2, 4100 → 3 with a masked tail). T: one partial tile, one
        // tile and a tail, many tiles (the threads then split O or, for O = 5, T).
        for (int T : {7, 13, 100})
            for (int I : {7, 129, 768, 2560, 4100})
                for (int O : {1, 5, 130})
                    QTest::newRow(qPrintable(QStringLiteral("T%1 I%2 O%3").arg(T).arg(I).arg(O))) << T << I << O;
        QTest::newRow("T64 I1024 O1024") << 64 << 1024 << 1024;
    }

    void kernel()
    {
        if (!available()) QSKIP("this build or CPU has no AVX512-BF16");
        QFETCH(int, T);
        QFETCH(int, I);
        QFETCH(int, O);
        const Bf16MatmulProblem p = makeBf16MatmulProblem(T, I, O);
        double sumWant2 = 0;
        for (double v : p.want) sumWant2 += v * v;
        const double allowedNmse = 2.0 * (std::ldexp(1.0, -16) / 3.0) * p.sumSquaredTerms / sumWant2;
        for (int threads : {1, 2}) {
            rwkv::cpu::ThreadPool pool(threads);
            std::vector<float> y(size_t(T) * O, std::nanf(""));
            rwkv::cpu::gemmBf16Dot(pool, y.data(), p.x.data(), p.w.data(), size_t(T), size_t(I), size_t(O));
            double err2 = 0, worst = 0;
            for (size_t i = 0; i < y.size(); ++i) {
                const double err = std::fabs(double(y[i]) - p.want[i]);
                const double allowed = (std::ldexp(1.0, -8) + 1e-5) * p.scale[i];
                QVERIFY2(err <= allowed, qPrintable(QStringLiteral("%1 threads: element %2 is %3, expected %4 (allowed %5)")
                                                         .arg(threads).arg(i).arg(double(y[i]), 0, 'g', 9)
                                                         .arg(p.want[i], 0, 'g', 9).arg(allowed, 0, 'g', 3)));
                err2 += err * err;
                worst = std::max(worst, err / p.scale[i]);
            }
            const double nmse = err2 / sumWant2;
            if (threads == 2)
                qInfo("NMSE %.3g (allowed %.3g), max |error|/Σ|x·w| %.3g (allowed %.3g)", nmse, allowedNmse, worst,
                      std::ldexp(1.0, -8) + 1e-5);
            QVERIFY2(nmse <= allowedNmse, qPrintable(QStringLiteral("NMSE %1 > %2").arg(nmse).arg(allowedNmse)));
        }
    }

    // An Inf or NaN activation (here one in a masked tail) reaches its own output row only.
    void nonFinite()
    {
        if (!available()) QSKIP("this build or CPU has no AVX512-BF16");
        const int T = 8, I = 200, O = 9;
        Bf16MatmulProblem p = makeBf16MatmulProblem(T, I, O);
        p.x[size_t(2) * I + 5] = INFINITY;
        p.x[size_t(4) * I + 199] = std::nanf("");
        rwkv::cpu::ThreadPool pool(2);
        std::vector<float> y(size_t(T) * O);
        rwkv::cpu::gemmBf16Dot(pool, y.data(), p.x.data(), p.w.data(), T, I, O);
        const std::string problem = rwkv::test::nonFiniteRowsProblem(y, T, O, {2, 4});
        QVERIFY2(problem.empty(), problem.c_str());
    }

    // device.matmul takes the dot products exactly where the rule says, bit for bit the same
    // result as gemmBf16Dot there and as the fp32 path (switched off) everywhere else.
    void dispatch()
    {
        if (!available()) QSKIP("this build or CPU has no AVX512-BF16");
        Restore restore;
        rwkv::cpu::CpuDevice device(2);
        rwkv::cpu::ThreadPool pool(2);
        struct Shape {
            int T, I;
        };
        for (const std::string& target : rwkv::cpu::availableSimdTargets())
            for (const Shape s : {Shape{33, 768}, Shape{17, 200}, Shape{16, 768}, Shape{33, 128}}) {
                const int O = 70;
                Bf16MatmulProblem p = makeBf16MatmulProblem(s.T, s.I, O);
                const DTensor weight{p.w.data(), DType::BF16, O, s.I};
                QVERIFY(rwkv::cpu::forceSimdTarget(target));
                std::vector<float> fp32(size_t(s.T) * O), chosen(fp32.size()), dot(fp32.size());
                rwkv::cpu::setBf16DotEnabled(false);
                device.matmul(view(fp32, s.T, O), view(p.x, s.T, s.I), weight);
                rwkv::cpu::setBf16DotEnabled(true);
                device.matmul(view(chosen, s.T, O), view(p.x, s.T, s.I), weight);
                rwkv::cpu::gemmBf16Dot(pool, dot.data(), p.x.data(), p.w.data(), size_t(s.T), size_t(s.I), O);
                const bool expectDot = target.rfind("AVX3", 0) == 0 && s.T > 16 && s.I > 128;
                const std::vector<float>& want = expectDot ? dot : fp32;
                QVERIFY2(std::memcmp(chosen.data(), want.data(), want.size() * sizeof(float)) == 0,
                         qPrintable(QStringLiteral("%1 T%2 I%3: expected the %4 path")
                                        .arg(QString::fromStdString(target)).arg(s.T).arg(s.I)
                                        .arg(expectDot ? "AVX512-BF16" : "fp32")));
                // The two paths differ (else this test could not tell them apart).
                if (expectDot) QVERIFY(std::memcmp(fp32.data(), dot.data(), dot.size() * sizeof(float)) != 0);
            }
    }
};

QTEST_GUILESS_MAIN(TestCpuBf16Dot)
#include "test_cpu_bf16_dot.moc"
