// Several replies at once, with the demo model in fp32: generateAlternatives gives each reply the
// tokens generate() gives it alone with the same options (seeded sampling) and a state equal to
// it within float rounding; ChatSession::regenerateAlternatives stores them as sibling replies,
// the first current, each resuming from its own state; a cancel ends them all and keeps them;
// bad counts are refused.
#include "backends/registry.h"
#include "core/chat_session.h"
#include "core/checkpoint.h"
#include "core/error.h"
#include "core/generate_alternatives.h"
#include "core/prompt_format.h"
#include "core/tokenizer/world_tokenizer.h"
#include "support/session_helpers.h"
#include "support/test_support.h"

#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <set>

using namespace rwkv;
using rwkv::test::expectError;
using rwkv::test::maxStateDifference;

namespace {

GenerationOptions sampled(uint64_t seed)
{
    GenerationOptions o;
    o.maxTokens = 24;
    o.sampling.temperature = 1.0f;
    o.sampling.topP = 0.9f;
    o.sampling.seed = seed;
    return o;
}

} // namespace

class TestAlternatives : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<Device> m_device;
    std::unique_ptr<Model> m_model;
    std::unique_ptr<WorldTokenizer> m_tokenizer;
    std::filesystem::path m_modelPath;

private slots:
    void initTestCase()
    {
        m_device = createDevice("cpu");
        m_modelPath = test::demoModelPath();
        m_model = Model::load(Checkpoint::open(m_modelPath), *m_device, DType::F32);
        m_tokenizer = WorldTokenizer::load(test::worldVocabPath());
    }

    void eachReplyAsIfAlone()
    {
        const std::vector<int32_t> prompt = m_tokenizer->encode(chatPrompt("Tell me a story about a fox."));
        const std::vector<GenerationOptions> options = {sampled(11), sampled(12), sampled(13), sampled(14)};
        State batched = m_model->newState();
        std::vector<std::string> streamed(options.size());
        const std::vector<Alternative> alternatives =
            generateAlternatives(*m_model, m_tokenizer.get(), prompt, batched, options,
                                 [&](int i, std::string_view t) { streamed[size_t(i)] += t; });
        QCOMPARE(alternatives.size(), options.size());
        std::set<std::vector<int32_t>> distinct;
        for (size_t i = 0; i < options.size(); ++i) {
            State alone = m_model->newState();
            const GenerationResult expected = generate(*m_model, m_tokenizer.get(), prompt, alone, options[i]);
            const GenerationResult& got = alternatives[i].result;
            QCOMPARE(got.tokens, expected.tokens);
            QCOMPARE(got.text, expected.text);
            QCOMPARE(streamed[i], expected.text);
            QCOMPARE(got.reason, expected.reason);
            QCOMPARE(got.decodeTokens, expected.decodeTokens);
            const float d = maxStateDifference(alternatives[i].state, alone);
            QVERIFY2(d < 1e-4f, qPrintable(QString("reply %1: max difference %2").arg(i).arg(d)));
            distinct.insert(got.tokens);
        }
        QVERIFY(distinct.size() > 1); // different seeds, different replies
    }

    void storedAsSiblingReplies()
    {
        QTemporaryDir dir;
        Store store((dir.path() + "/db.sqlite").toStdString());
        ChatSession session(store, *m_model, *m_tokenizer, m_modelPath);
        session.start(m_model->newState(), "", {});
        const ChatTurn first = session.send("Name an animal.", sampled(1));
        std::string shown;
        const std::vector<ChatTurn> turns =
            session.regenerateAlternatives(first.assistantMessageId, sampled(40), 3, [&](std::string_view t) { shown += t; });
        QCOMPARE(turns.size(), size_t(3));
        QCOMPARE(session.currentMessageId(), turns[0].assistantMessageId);
        QCOMPARE(shown, turns[0].generation.text);
        const std::vector<MessageRecord> siblings = store.conversations().children(first.userMessageId);
        QCOMPARE(siblings.size(), size_t(4));
        for (size_t i = 0; i < turns.size(); ++i) {
            QCOMPARE(turns[i].userMessageId, first.userMessageId);
            QCOMPARE(siblings[i + 1].id, turns[i].assistantMessageId);
            QCOMPARE(siblings[i + 1].content, turns[i].generation.text);
            // Reply i is regenerate() with seed 40 + i, one at a time.
            ChatSession alone(store, *m_model, *m_tokenizer, m_modelPath);
            alone.open(session.conversationId());
            const ChatTurn single = alone.regenerate(first.assistantMessageId, sampled(40 + i));
            QCOMPARE(single.generation.text, turns[i].generation.text);
            const float d = maxStateDifference(session.restore(turns[i].assistantMessageId), alone.restore(single.assistantMessageId));
            QVERIFY2(d < 1e-4f, qPrintable(QString("reply %1: max difference %2").arg(i).arg(d)));
        }
        QCOMPARE(store.integrityCheck(), std::string("ok"));
    }

    void cancelEndsThemAllAndKeepsThem()
    {
        QTemporaryDir dir;
        Store store((dir.path() + "/db.sqlite").toStdString());
        ChatSession session(store, *m_model, *m_tokenizer, m_modelPath);
        session.start(m_model->newState(), "", {});
        const ChatTurn first = session.send("Count to twenty.", sampled(2));
        std::stop_source stop;
        GenerationOptions long_ = sampled(3);
        long_.maxTokens = 200;
        int pieces = 0;
        const std::vector<ChatTurn> turns = session.regenerateAlternatives(
            first.assistantMessageId, long_, 2, [&](std::string_view) { if (++pieces == 3) stop.request_stop(); }, stop.get_token());
        QCOMPARE(turns.size(), size_t(2));
        for (const ChatTurn& t : turns) {
            QCOMPARE(t.generation.reason, StopReason::Cancelled);
            QVERIFY(t.generation.decodeTokens < 200);
        }
        QCOMPARE(store.conversations().children(first.userMessageId).size(), size_t(3));
        // Each continues from its own stored state.
        QVERIFY(!session.send("Go on.", sampled(4)).generation.tokens.empty());
    }

    void badCountsAreRefused()
    {
        QTemporaryDir dir;
        Store store((dir.path() + "/db.sqlite").toStdString());
        ChatSession session(store, *m_model, *m_tokenizer, m_modelPath);
        session.start(m_model->newState(), "", {});
        const ChatTurn first = session.send("Hi", sampled(5));
        for (const int n : {0, -1, kMaxBatch + 1})
            QCOMPARE(expectError([&] { session.regenerateAlternatives(first.assistantMessageId, sampled(6), n); }).code(),
                     ErrorCode::InvalidArgument);
        State s = m_model->newState();
        QCOMPARE(expectError([&] { generateAlternatives(*m_model, m_tokenizer.get(), std::vector<int32_t>{1}, s, {}); }).code(),
                 ErrorCode::InvalidArgument);
        QCOMPARE(store.conversations().children(first.userMessageId).size(), size_t(1));
    }
};

QTEST_GUILESS_MAIN(TestAlternatives)
#include "test_alternatives.moc"
