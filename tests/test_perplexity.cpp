// core/perplexity: NLL, perplexity, bits per byte, KL divergence and top-1 agreement over rows of
// logits chosen so that every expected value is worked out by hand (in the comments).
#include "core/error.h"
#include "core/perplexity.h"

#include <QtTest>

#include <cmath>
#include <limits>
#include <vector>

using rwkv::LogitsAgreement;
using rwkv::PerplexityMeter;

namespace {

// float(ln 2): logits {0, ln 2, 0} give P = {1/4, 1/2, 1/4} up to float rounding (~1e-8).
constexpr float kLn2 = 0.6931471805599453f;
const std::vector<float> kQuarterHalfQuarter = {0.0f, kLn2, 0.0f};
const std::vector<float> kUniform = {5.0f, 5.0f, 5.0f}; // Q = {1/3, 1/3, 1/3}

void verifyClose(double actual, double expected, double tolerance = 1e-7)
{
    QVERIFY2(std::abs(actual - expected) <= tolerance,
             qPrintable(QString("%1 is not %2").arg(actual, 0, 'g', 17).arg(expected, 0, 'g', 17)));
}

template <typename F> void verifyInvalidArgument(F f)
{
    try {
        f();
        QFAIL("no error");
    } catch (const rwkv::Error& e) {
        QCOMPARE(e.code(), rwkv::ErrorCode::InvalidArgument);
    }
}

} // namespace

class TestPerplexity : public QObject {
    Q_OBJECT

private slots:
    void nllOfTwoPositions()
    {
        // Uniform over 3, target 2: −log(1/3) = ln 3. {1/4, 1/2, 1/4}, target 1: −log(1/2) = ln 2.
        PerplexityMeter meter;
        meter.add(kUniform, 2);
        verifyClose(meter.meanNll(), 1.0986122886681098); // ln 3
        meter.add(kQuarterHalfQuarter, 1);
        QCOMPARE(meter.count(), int64_t(2));
        verifyClose(meter.meanNll(), 0.8958797346140275);    // (ln 3 + ln 2) / 2 = ln 6 / 2
        verifyClose(meter.perplexity(), 2.449489742783178);  // exp(ln 6 / 2) = √6
        verifyClose(meter.bitsPerByte(2), 1.292481250360578); // log2 6 bits over 2 bytes
    }

    void hugeLogitsDoNotOverflow()
    {
        // exp(1000) overflows a double; shifted by the maximum the row is uniform again: ln 3.
        PerplexityMeter meter;
        meter.add(std::vector<float>{1000.0f, 1000.0f, 1000.0f}, 0);
        meter.add(std::vector<float>{-1000.0f, -1000.0f, -1000.0f}, 1);
        verifyClose(meter.meanNll(), 1.0986122886681098);
        QVERIFY(std::isfinite(meter.perplexity()));
    }

    void emptyMeterIsZero()
    {
        const PerplexityMeter meter;
        QCOMPARE(meter.count(), int64_t(0));
        QCOMPARE(meter.meanNll(), 0.0);
        QCOMPARE(meter.bitsPerByte(0), 0.0);
    }

    void klAndTop1()
    {
        // KL(P || Q), P = {1/4, 1/2, 1/4}, Q uniform: 1/4 ln(3/4) + 1/2 ln(3/2) + 1/4 ln(3/4)
        // = 1/2 ln(3/4 · 3/2) = 1/2 ln(9/8). Argmax: P at 1, Q at 0 (the first of equals).
        // The largest |Δ| is |0 − 5| = 5. Then an identical row: KL 0, same argmax.
        LogitsAgreement agreement;
        agreement.add(kQuarterHalfQuarter, kUniform);
        verifyClose(agreement.meanKl(), 0.05889151782819173); // ln(9/8) / 2
        QCOMPARE(agreement.top1Agreement(), 0.0);
        agreement.add(std::vector<float>{1.0f, 2.0f, 3.0f}, std::vector<float>{1.0f, 2.0f, 3.0f});
        QCOMPARE(agreement.count(), int64_t(2));
        verifyClose(agreement.meanKl(), 0.029445758914095864); // ln(9/8) / 4
        QCOMPARE(agreement.top1Agreement(), 0.5);
        QCOMPARE(agreement.maxAbsDiff(), 5.0);
    }

    void klHasADirection()
    {
        // KL(Q || P) = 1/3 (ln(4/3) + ln(2/3) + ln(4/3)) = 1/3 ln(32/27), not ln(9/8) / 2.
        LogitsAgreement agreement;
        agreement.add(kUniform, kQuarterHalfQuarter);
        verifyClose(agreement.meanKl(), 0.056633012265132475);
    }

    void identicalRowsAgreeExactly()
    {
        const std::vector<float> row = {3.5f, -2.0f, 17.25f, 0.125f};
        LogitsAgreement agreement;
        agreement.add(row, row);
        QCOMPARE(agreement.meanKl(), 0.0);
        QCOMPARE(agreement.top1Agreement(), 1.0);
        QCOMPARE(agreement.maxAbsDiff(), 0.0);
    }

    void badRowsAreRefused()
    {
        PerplexityMeter meter;
        verifyInvalidArgument([&] { meter.add(kUniform, 3); });
        verifyInvalidArgument([&] { meter.add(kUniform, -1); });
        const std::vector<float> nan = {0.0f, std::numeric_limits<float>::quiet_NaN(), 0.0f};
        const std::vector<float> inf = {0.0f, std::numeric_limits<float>::infinity(), 0.0f};
        verifyInvalidArgument([&] { meter.add(nan, 0); });
        verifyInvalidArgument([&] { meter.add(inf, 0); });
        QCOMPARE(meter.count(), int64_t(0)); // nothing was counted

        LogitsAgreement agreement;
        verifyInvalidArgument([&] { agreement.add(kUniform, std::vector<float>{0.0f, 0.0f}); });
        verifyInvalidArgument([&] { agreement.add(kUniform, nan); });
        QCOMPARE(agreement.count(), int64_t(0));
    }
};

QTEST_GUILESS_MAIN(TestPerplexity)
#include "test_perplexity.moc"
