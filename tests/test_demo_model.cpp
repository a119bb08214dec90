// The bundled demo model end to end: the canary and chat replies recorded with the
// official package (tests/data/rwkv7-demo-*.verify.json), tokenizer agreement, and the
// promise that any chunking of forward() gives the same logits and state.
#include "backends/registry.h"
#include "core/checkpoint.h"
#include "core/error.h"
#include "core/model.h"
#include "core/tokenizer/world_tokenizer.h"
#include "support/reference_case.h"
#include "support/test_support.h"

#include <QTest>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <random>

using namespace rwkv;

namespace {

int32_t argmax(const std::vector<float>& v)
{
    return int32_t(std::max_element(v.begin(), v.end()) - v.begin());
}

std::vector<int32_t> greedy(Model& model, const std::vector<int32_t>& prompt, size_t count)
{
    State state = model.newState();
    std::vector<float> logits = model.forward(prompt, state);
    std::vector<int32_t> out;
    while (out.size() < count) {
        out.push_back(argmax(logits));
        logits = model.forward(std::span(&out.back(), 1), state);
    }
    return out;
}

} // namespace

class TestDemoModel : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<Device> m_device;
    std::unique_ptr<Model> m_model;
    std::unique_ptr<WorldTokenizer> m_tokenizer;
    nlohmann::json m_verify;

private slots:
    void initTestCase()
    {
        m_device = createDevice("cpu");
        const Checkpoint ck = Checkpoint::open(test::demoModelPath());
        m_model = Model::load(ck, *m_device, DType::F32);
        m_tokenizer = WorldTokenizer::load(test::worldVocabPath());
        std::ifstream in(test::dataDir() / "rwkv7-demo-18.7m-20261123.verify.json");
        m_verify = nlohmann::json::parse(in);
        QCOMPARE(m_model->config().nLayer, 8);
        QCOMPARE(m_model->config().paramCount, int64_t(18697728));
    }

    void canary()
    {
        const auto& c = m_verify.at("canary");
        const auto prefix = c.at("prefix_ids").get<std::vector<int32_t>>();
        const auto expected = c.at("expected_ids").get<std::vector<int32_t>>();
        QCOMPARE(m_tokenizer->encode(c.at("prefix").get<std::string>()), prefix);
        QCOMPARE(greedy(*m_model, prefix, expected.size()), expected);
        QCOMPARE(m_tokenizer->decode(expected), c.at("greedy_text").get<std::string>());
    }

    void chatReplies()
    {
        for (const auto& [prompt, rec] : m_verify.at("chat").items()) {
            const auto ids = rec.at("prompt_ids").get<std::vector<int32_t>>();
            QCOMPARE(m_tokenizer->encode(prompt), ids);
            // Compare only while the recorded margins are safely above fp32 noise.
            const auto want = rec.at("greedy_ids").get<std::vector<int32_t>>();
            const auto margins = rec.at("logit_margins").get<std::vector<double>>();
            size_t n = 0;
            while (n < want.size() && n < margins.size() && margins[n] > 0.05) ++n;
            QVERIFY2(n >= 5, prompt.c_str());
            const std::vector<int32_t> got = greedy(*m_model, ids, n);
            QCOMPARE(got, std::vector<int32_t>(want.begin(), want.begin() + long(n)));
        }
    }

    void chunkingInvariance_data()
    {
        QTest::addColumn<QString>("weights");
        QTest::newRow("fp32") << "fp32";
        QTest::newRow("bf16") << "bf16";
    }

    void chunkingInvariance()
    {
        QFETCH(QString, weights);
        const Checkpoint ck = Checkpoint::open(test::demoModelPath());
        auto model = Model::load(ck, *m_device, weights == "fp32" ? DType::F32 : DType::BF16);
        std::mt19937 rng(7);
        std::uniform_int_distribution<int32_t> pick(0, 65535);
        std::vector<int32_t> tokens(300);
        for (int32_t& t : tokens) t = pick(rng);

        State whole = model->newState();
        const std::vector<float> all = model->forward(tokens, whole, true);
        const size_t V = 65536;

        // Splits around the internal 128-token chunk and at single tokens.
        for (const std::vector<int>& split : {std::vector<int>{1, 15, 16, 17, 64, 127, 60},
                                             std::vector<int>{129, 1, 170}, std::vector<int>(300, 1)}) {
            State s = model->newState();
            size_t pos = 0;
            std::vector<float> logits;
            for (int n : split) {
                logits = model->forward(std::span(tokens).subspan(pos, size_t(n)), s);
                pos += size_t(n);
                const std::vector<float> row(all.begin() + long((pos - 1) * V), all.begin() + long(pos * V));
                const double error = test::relativeMaxError(logits, row);
                QVERIFY2(error < 1e-5, qPrintable(QStringLiteral("chunked logits differ from the full sequence by %1 after %2 tokens")
                                                      .arg(error).arg(pos)));
            }
            QCOMPARE(pos, tokens.size());
            const std::vector<float> a(whole.data().begin(), whole.data().end()), b(s.data().begin(), s.data().end());
            QVERIFY2(test::relativeMaxError(b, a) < 1e-5, "chunked state differs from the full sequence");
        }
    }

    void foreignStateIsRefused()
    {
        State other(m_model->config(), Fingerprint{}); // zero fingerprint: other weights
        const int32_t tok = 1;
        QVERIFY_THROWS_EXCEPTION(rwkv::Error, m_model->forward(std::span(&tok, 1), other));
        State mine = m_model->newState();
        const int32_t bad = 70000;
        QVERIFY_THROWS_EXCEPTION(rwkv::Error, m_model->forward(std::span(&bad, 1), mine));
    }

    void stateSnapshotRoundTrip()
    {
        State s = m_model->newState();
        const std::vector<int32_t> prompt = {24281, 59, 36786, 34, 261, 5585, 41693, 59};
        m_model->forward(prompt, s);
        const std::vector<std::byte> bytes = s.serialize();
        State back = State::deserialize(bytes, m_model->config(), m_model->fingerprint());
        QVERIFY(std::equal(s.data().begin(), s.data().end(), back.data().begin()));
        const int32_t tok = 36786;
        State copy = s;
        QCOMPARE(m_model->forward(std::span(&tok, 1), back), m_model->forward(std::span(&tok, 1), copy));
        QVERIFY_THROWS_EXCEPTION(rwkv::Error, State::deserialize(std::span(bytes).first(100), m_model->config(),
                                                           m_model->fingerprint()));
        QVERIFY_THROWS_EXCEPTION(rwkv::Error, State::deserialize(bytes, m_model->config(), Fingerprint{}));
    }
};

QTEST_GUILESS_MAIN(TestDemoModel)
#include "test_demo_model.moc"
