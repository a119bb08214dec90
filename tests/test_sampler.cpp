// Sampler: greedy, top-p / top-k, temperature, bans, occurrence penalties, seeding and speed.
#include "core/error.h"
#include "core/fast_exp.h"
#include "core/sampler.h"
#include "support/test_support.h"

#include <QElapsedTimer>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <random>

using rwkv::Sampler;
using rwkv::SamplingParams;

namespace {

// No penalties, no cutoff: the plain softmax distribution.
SamplingParams plainParams(uint64_t seed)
{
    SamplingParams p;
    p.topP = 1.0f;
    p.presencePenalty = 0.0f;
    p.frequencyPenalty = 0.0f;
    p.seed = seed;
    return p;
}

std::vector<float> randomLogits(size_t n, uint32_t seed, float scale)
{
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist(0.0f, scale);
    std::vector<float> logits(n);
    for (float& l : logits)
        l = dist(rng);
    return logits;
}

int32_t argmax(const std::vector<float>& v)
{
    return static_cast<int32_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

// Empirical frequencies of `draws` samples from `logits` (copied each time: sample() edits them).
std::vector<double> frequencies(Sampler& sampler, const std::vector<float>& logits, int draws)
{
    std::vector<double> counts(logits.size(), 0.0);
    for (int i = 0; i < draws; ++i) {
        std::vector<float> l = logits;
        counts[static_cast<size_t>(sampler.sample(l))] += 1.0;
    }
    for (double& c : counts)
        c /= draws;
    return counts;
}

std::vector<float> logitsOf(std::initializer_list<double> probabilities)
{
    std::vector<float> l;
    for (const double p : probabilities)
        l.push_back(static_cast<float>(std::log(p)));
    return l;
}

} // namespace

class TestSampler : public QObject {
    Q_OBJECT

private slots:
    void defaultsAreOfficial()
    {
        const SamplingParams p;
        QCOMPARE(p.temperature, 1.0f);
        QCOMPARE(p.topP, 0.85f);
        QCOMPARE(p.topK, 0);
        QCOMPARE(p.presencePenalty, 0.2f);
        QCOMPARE(p.frequencyPenalty, 0.2f);
        QCOMPARE(p.penaltyDecay, 0.996f);
        QVERIFY(p.bannedTokens.empty());
        QVERIFY(!p.seed.has_value());
    }

    void greedyIsArgmax()
    {
        SamplingParams p = plainParams(1);
        p.temperature = 0.0f;
        Sampler sampler(p);
        for (uint32_t seed = 0; seed < 20; ++seed) {
            std::vector<float> logits = randomLogits(1000, seed, 3.0f);
            const int32_t expected = argmax(logits);
            QCOMPARE(sampler.sample(logits), expected);
        }
        std::vector<float> ties{1.0f, 3.0f, 3.0f, -2.0f};
        QCOMPARE(sampler.sample(ties), 1);
    }

    void seedReproducesSequence()
    {
        const std::vector<float> flat(1000, 0.0f);
        const auto run = [&](uint64_t seed) {
            Sampler sampler(plainParams(seed));
            std::vector<int32_t> out;
            for (int i = 0; i < 50; ++i) {
                std::vector<float> l = flat;
                out.push_back(sampler.sample(l));
            }
            return out;
        };
        QVERIFY(run(42) == run(42));
        QVERIFY(run(42) != run(43));
        QVERIFY(run(0) == run(0)); // 0 is an ordinary seed
    }

    void topKOneIsArgmax()
    {
        SamplingParams p = plainParams(7);
        p.topK = 1;
        Sampler sampler(p);
        for (uint32_t seed = 0; seed < 20; ++seed) {
            std::vector<float> logits = randomLogits(500, seed, 1.0f);
            const int32_t expected = argmax(logits);
            QCOMPARE(sampler.sample(logits), expected);
        }
    }

    void topKLimitsCandidates()
    {
        SamplingParams p = plainParams(8);
        p.topK = 2;
        Sampler sampler(p);
        const auto f = frequencies(sampler, logitsOf({0.4, 0.35, 0.25}), 4000);
        QCOMPARE(f[2], 0.0);
        QVERIFY(std::abs(f[0] - 0.4 / 0.75) < 0.03);
    }

    void topPSmallKeepsTopToken()
    {
        SamplingParams p = plainParams(9);
        p.topP = 0.01f;
        Sampler sampler(p);
        for (uint32_t seed = 0; seed < 20; ++seed) {
            std::vector<float> logits = randomLogits(500, seed, 1.0f);
            const int32_t expected = argmax(logits);
            QCOMPARE(sampler.sample(logits), expected);
        }
        // Tokens tied with the cutoff survive.
        const auto f = frequencies(sampler, {2.0f, 2.0f, 0.0f}, 2000);
        QVERIFY(f[0] > 0.4 && f[1] > 0.4);
        QCOMPARE(f[2], 0.0);
    }

    void topPCutsTail()
    {
        SamplingParams p = plainParams(10);
        p.topP = 0.7f; // running sum 0.5, 0.8 >= 0.7: cutoff at 0.3
        Sampler sampler(p);
        const auto f = frequencies(sampler, logitsOf({0.5, 0.3, 0.2}), 4000);
        QCOMPARE(f[2], 0.0);
        QVERIFY(std::abs(f[0] - 0.625) < 0.03);
        QVERIFY(std::abs(f[1] - 0.375) < 0.03);
    }

    // Against a full sort with a float32 running sum, as the official code does it: nothing
    // outside the nucleus is ever drawn and every sizeable member of it is.
    void topPMatchesFullSort()
    {
        for (const float topP : {0.3f, 0.6f, 0.85f, 0.95f}) {
            for (uint32_t seed = 1; seed <= 3; ++seed) {
                std::vector<float> logits = randomLogits(2000, seed, 2.0f);
                for (size_t i = 0; i < 8; ++i)
                    logits[i * 7] += 6.0f; // a handful of likely tokens, as a model has
                const float maxLogit = *std::max_element(logits.begin(), logits.end());
                std::vector<float> p(logits.size());
                double z = 0.0;
                for (size_t i = 0; i < p.size(); ++i)
                    z += std::exp(static_cast<double>(logits[i] - maxLogit));
                for (size_t i = 0; i < p.size(); ++i)
                    p[i] = static_cast<float>(std::exp(static_cast<double>(logits[i] - maxLogit)) / z);
                std::vector<float> sorted = p;
                std::sort(sorted.begin(), sorted.end(), std::greater<>());
                float cumulative = 0.0f;
                float cutoff = sorted[0];
                for (const float q : sorted) {
                    cumulative += q;
                    if (cumulative >= topP) {
                        cutoff = q;
                        break;
                    }
                }
                double nucleusMass = 0.0;
                for (const float q : p)
                    nucleusMass += q >= cutoff ? q : 0.0f;

                SamplingParams params = plainParams(seed);
                params.topP = topP;
                Sampler sampler(params);
                const auto f = frequencies(sampler, logits, 3000);
                for (size_t i = 0; i < p.size(); ++i) {
                    if (p[i] < cutoff)
                        QCOMPARE(f[i], 0.0);
                    else if (p[i] / nucleusMass > 0.02)
                        QVERIFY(f[i] > 0.0);
                }
            }
        }
    }

    void bannedNeverSampled()
    {
        SamplingParams p = plainParams(11);
        p.bannedTokens = {0, 1, 2, 4, 5, 7, 8, 9, 1000, -3}; // out-of-range ids are ignored
        Sampler sampler(p);
        std::vector<float> logits(10, 0.0f);
        logits[0] = 50.0f;
        for (int i = 0; i < 500; ++i) {
            std::vector<float> l = logits;
            const int32_t t = sampler.sample(l);
            QVERIFY(t == 3 || t == 6);
            QVERIFY(std::isinf(l[0]) && l[0] < 0);
        }
        std::vector<float> all(10, 0.0f);
        p.bannedTokens = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
        Sampler banAll(p);
        QVERIFY_THROWS_EXCEPTION(rwkv::Error, banAll.sample(all));
    }

    void nanNeverSampled()
    {
        Sampler sampler(plainParams(12));
        const float nan = std::numeric_limits<float>::quiet_NaN();
        for (int i = 0; i < 100; ++i) {
            std::vector<float> l{nan, -5.0f, nan, -6.0f};
            const int32_t t = sampler.sample(l);
            QVERIFY(t == 1 || t == 3);
        }
    }

    void penaltiesFollowOfficialOrder()
    {
        SamplingParams p = plainParams(13);
        p.temperature = 0.0f;
        p.presencePenalty = 0.3f;
        p.frequencyPenalty = 0.7f;
        p.penaltyDecay = 0.5f;
        Sampler sampler(p);
        const auto penaltiesAfterSampling = [&] {
            std::vector<float> l(10, 0.0f);
            sampler.sample(l);
            return l;
        };
        sampler.accept(5, 1.0f);
        sampler.accept(5, 1.0f); // decay first: 1 * 0.5, then + 1
        auto l = penaltiesAfterSampling();
        QVERIFY(std::abs(l[5] - -(0.3f + 1.5f * 0.7f)) < 1e-6f);
        QCOMPARE(std::count(l.begin(), l.end(), 0.0f), 9);

        sampler.accept(7, 0.0f); // weight 0: still pays presence
        l = penaltiesAfterSampling();
        QVERIFY(std::abs(l[5] - -(0.3f + 0.75f * 0.7f)) < 1e-6f);
        QVERIFY(std::abs(l[7] - -0.3f) < 1e-6f);
        QCOMPARE(penaltiesAfterSampling()[5], l[5]); // sampling alone does not decay

        sampler.reset();
        l = penaltiesAfterSampling();
        QCOMPARE(std::count(l.begin(), l.end(), 0.0f), 10);
    }

    void occurrenceWeights()
    {
        for (const char* exempt : {" ", "\t", "0", "01", "", " \t0", "789", "9"})
            QCOMPARE(rwkv::occurrenceWeight(exempt), 0.0f);
        for (const char* counted : {"a", " 0a", "10", "\n", "  ", " a"})
            QCOMPARE(rwkv::occurrenceWeight(counted), 1.0f);
    }

    // The softmax's e^x against the double-precision std::exp over its whole range (x ≤ 0),
    // every 1e-5: within 1e-7 relative (one float ulp is 6e-8–1.2e-7); 0 below -87 (out of
    // float's normal range), for -inf and NaN.
    void fastExpAccuracy()
    {
        double worst = 0.0;
        for (int i = 0; i <= 8700000; ++i) {
            const float x = -static_cast<float>(i) * 1e-5f;
            const double want = std::exp(static_cast<double>(x));
            worst = std::max(worst, std::fabs(static_cast<double>(rwkv::expNonPositive(x)) - want) / want);
        }
        qInfo("max relative error %.2e", worst);
        QVERIFY(worst < 1e-7);
        QCOMPARE(rwkv::expNonPositive(0.0f), 1.0f);
        QCOMPARE(rwkv::expNonPositive(-87.01f), 0.0f);
        QCOMPARE(rwkv::expNonPositive(-std::numeric_limits<float>::infinity()), 0.0f);
        QCOMPARE(rwkv::expNonPositive(std::numeric_limits<float>::quiet_NaN()), 0.0f);
    }

    void matchesSoftmax()
    {
        Sampler sampler(plainParams(14));
        const auto f = frequencies(sampler, logitsOf({0.6, 0.3, 0.1}), 20000);
        QVERIFY(std::abs(f[0] - 0.6) < 0.02);
        QVERIFY(std::abs(f[1] - 0.3) < 0.02);
        QVERIFY(std::abs(f[2] - 0.1) < 0.02);
    }

    void temperatureReshapes()
    {
        SamplingParams p = plainParams(15);
        p.temperature = 0.5f; // p^2 renormalised: 0.36, 0.09, 0.01 over 0.46
        Sampler sharp(p);
        const auto f = frequencies(sharp, logitsOf({0.6, 0.3, 0.1}), 20000);
        QVERIFY(std::abs(f[0] - 0.36 / 0.46) < 0.02);
        QVERIFY(std::abs(f[1] - 0.09 / 0.46) < 0.02);
        QVERIFY(std::abs(f[2] - 0.01 / 0.46) < 0.01);

        p.temperature = 2.0f; // sqrt(p) renormalised
        Sampler flat(p);
        const double z = std::sqrt(0.6) + std::sqrt(0.3) + std::sqrt(0.1);
        const auto g = frequencies(flat, logitsOf({0.6, 0.3, 0.1}), 20000);
        QVERIFY(std::abs(g[0] - std::sqrt(0.6) / z) < 0.02);
        QVERIFY(std::abs(g[2] - std::sqrt(0.1) / z) < 0.02);

        p.temperature = 0.01f; // tiny temperature must not underflow to an empty distribution
        Sampler cold(p);
        std::vector<float> l = logitsOf({0.6, 0.3, 0.1});
        QCOMPARE(cold.sample(l), 0);
    }

    void speedFullVocabulary()
    {
        const std::vector<float> logits = randomLogits(65536, 99, 3.0f);
        for (const float topP : {0.85f, 0.3f, 1.0f}) {
            SamplingParams p;
            p.topP = topP;
            p.seed = 16;
            Sampler sampler(p);
            constexpr int kDraws = 200;
            QElapsedTimer timer;
            timer.start();
            for (int i = 0; i < kDraws; ++i) {
                std::vector<float> l = logits;
                sampler.accept(sampler.sample(l), 1.0f);
            }
            const double ms = static_cast<double>(timer.nsecsElapsed()) / 1e6 / kDraws;
            qInfo("V=65536 top_p=%.2f: %.3f ms per sample", static_cast<double>(topP), ms);
            QVERIFY2(ms < 10.0, "sampling is far too slow");
        }
    }
};

QTEST_GUILESS_MAIN(TestSampler)
#include "test_sampler.moc"
