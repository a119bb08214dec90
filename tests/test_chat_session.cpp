// Conversations kept as states, with the demo model: restoring a snapshot and continuing
// gives bit-identical logits to never stopping; resuming, branching and regenerating equal
// an uninterrupted run of the same history; a snapshot of other weights is refused with a
// clear message and can be rebuilt by replaying the text; a schema-1 database continues; with
// a model lock a turn lets another user of the model in between its tokens.
#include "backends/registry.h"
#include "core/chat_session.h"
#include "core/checkpoint.h"
#include "core/error.h"
#include "core/prompt_format.h"
#include "core/tokenizer/world_tokenizer.h"
#include "support/reference_case.h"
#include "support/session_helpers.h"
#include "support/test_support.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>

using namespace rwkv;
using rwkv::test::expectError;

namespace {

bool sameBits(std::span<const float> a, std::span<const float> b)
{
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * 4) == 0;
}

GenerationOptions greedyChat()
{
    GenerationOptions o;
    o.maxTokens = 60;
    o.sampling.temperature = 0;
    o.sampling.presencePenalty = 0.5f;
    o.sampling.frequencyPenalty = 0.5f;
    o.sampling.bannedTokens = {0};
    o.stopStrings = {std::string(kTurnEnd)};
    o.dropLeadingSpace = true; // as ChatSession does, so the reference runs show the same text
    o.exemptWhitespaceDigits = false;
    return o;
}

} // namespace

class TestChatSession : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<Device> m_device;
    std::unique_ptr<Model> m_model;
    std::unique_ptr<WorldTokenizer> m_tokenizer;
    std::filesystem::path m_modelPath;

    // The uninterrupted run: one state, turn after turn, no store involved.
    std::vector<std::string> uninterrupted(const std::vector<std::string>& questions, State* finalState = nullptr)
    {
        State state = m_model->newState();
        std::vector<std::string> replies;
        for (const std::string& q : questions)
            replies.push_back(generate(*m_model, m_tokenizer.get(), m_tokenizer->encode(chatPrompt(q)), state, greedyChat()).text);
        if (finalState) *finalState = state;
        return replies;
    }

private slots:
    void initTestCase()
    {
        m_device = createDevice("cpu");
        m_modelPath = test::demoModelPath();
        const Checkpoint ck = Checkpoint::open(m_modelPath);
        m_model = Model::load(ck, *m_device, DType::F32);
        m_tokenizer = WorldTokenizer::load(test::worldVocabPath());
    }

    void restoreAndContinueIsBitIdentical()
    {
        QTemporaryDir dir;
        const std::string path = (dir.path() + "/db.sqlite").toStdString();
        const std::vector<int32_t> first = m_tokenizer->encode(chatPrompt("What is the capital of Neathria?"));
        const std::vector<int32_t> second = m_tokenizer->encode(" The capital of Neathria is Mainmoor.\n\nUser: Thank you!");

        State straight = m_model->newState();
        m_model->forward(first, straight);
        const std::vector<float> straightLogits = m_model->forward(second, straight, true);

        State before = m_model->newState();
        m_model->forward(first, before);
        int64_t id = 0;
        {
            Store store(path);
            store.snapshots().registerModel(m_model->fingerprint(), m_modelPath, m_model->config());
            id = store.snapshots().save(before, {});
        }
        Store store(path);
        State restored = store.snapshots().load(id, m_model->config(), m_model->fingerprint());
        QVERIFY(sameBits(restored.data(), before.data()));
        const std::vector<float> restoredLogits = m_model->forward(second, restored, true);
        QVERIFY2(sameBits(restoredLogits, straightLogits), "logits after a restore differ from the uninterrupted run");
        QVERIFY(sameBits(restored.data(), straight.data()));
    }

    void resumedConversationEqualsUninterrupted()
    {
        const std::vector<std::string> questions = {"What is 7 + 5?", "Thank you!", "Who are you?"};
        State straight;
        const std::vector<std::string> expected = uninterrupted(questions, &straight);
        QCOMPARE(expected[0], std::string("7 + 5 = 12."));

        QTemporaryDir dir;
        const std::string path = (dir.path() + "/db.sqlite").toStdString();
        int64_t conversation = 0;
        {
            Store store(path);
            ChatSession session(store, *m_model, *m_tokenizer, m_modelPath);
            conversation = session.start(m_model->newState(), "", {});
            QCOMPARE(session.send(questions[0], greedyChat()).generation.text, expected[0]);
        }
        // Each later turn in a new process-like setting: new connection, new session.
        for (size_t i = 1; i < questions.size(); ++i) {
            Store store(path);
            ChatSession session(store, *m_model, *m_tokenizer, m_modelPath);
            session.open(conversation);
            const ChatTurn turn = session.send(questions[i], greedyChat());
            QCOMPARE(turn.generation.text, expected[i]);
            // Only this turn's prompt was fed: nothing of the history was replayed.
            QCOMPARE(turn.promptTokens, int64_t(m_tokenizer->encode(chatPrompt(questions[i])).size()));
            QCOMPARE(turn.generation.prefillTokens, int(turn.promptTokens));
        }
        Store store(path);
        ChatSession session(store, *m_model, *m_tokenizer, m_modelPath);
        session.open(conversation);
        QVERIFY2(sameBits(session.restore(session.currentMessageId()).data(), straight.data()),
                 "the saved state differs from the uninterrupted run's");
        QCOMPARE(store.conversations().get(conversation).title, questions[0]);
        QCOMPARE(store.conversations().get(conversation).messageCount, int64_t(2 * questions.size()));
    }

    void branchAndRegenerateEqualFreshRuns()
    {
        QTemporaryDir dir;
        Store store((dir.path() + "/db.sqlite").toStdString());
        ChatSession session(store, *m_model, *m_tokenizer, m_modelPath);
        session.start(m_model->newState(), "", {});
        const ChatTurn first = session.send("What is 7 + 5?", greedyChat());
        const ChatTurn second = session.send("Tell me a joke.", greedyChat());

        // Edit the second question: branch from the first reply.
        const ChatTurn edited = session.sendFrom(first.assistantMessageId, "What is the capital of Neathria?", greedyChat());
        State fresh;
        const std::vector<std::string> freshReplies = uninterrupted({"What is 7 + 5?", "What is the capital of Neathria?"}, &fresh);
        QCOMPARE(edited.generation.text, freshReplies[1]);
        QCOMPARE(edited.generation.text, std::string("The capital of Neathria is Mainmoor."));
        QVERIFY(sameBits(session.restore(edited.assistantMessageId).data(), fresh.data()));
        QCOMPARE(edited.promptTokens, int64_t(m_tokenizer->encode(chatPrompt("What is the capital of Neathria?")).size()));
        QCOMPARE(store.conversations().children(first.assistantMessageId).size(), size_t(2));
        QCOMPARE(session.currentMessageId(), edited.assistantMessageId);

        // Switch back to the first branch and regenerate its reply: a sibling, same greedy text and state.
        session.switchTo(second.assistantMessageId);
        QCOMPARE(*store.conversations().get(session.conversationId()).currentMessageId, second.assistantMessageId);
        const ChatTurn again = session.regenerate(second.assistantMessageId, greedyChat());
        QCOMPARE(again.userMessageId, second.userMessageId);
        QCOMPARE(again.generation.text, second.generation.text);
        QCOMPARE(store.conversations().children(second.userMessageId).size(), size_t(2));
        QVERIFY(store.snapshots().loadBytes(again.snapshotId) == store.snapshots().loadBytes(second.snapshotId));

        const Error userParent = expectError([&] { session.sendFrom(first.userMessageId, "hi", greedyChat()); });
        QCOMPARE(userParent.code(), ErrorCode::InvalidArgument);
        QCOMPARE(store.integrityCheck(), std::string("ok"));
    }

    void systemPromptIsPartOfTheRootState()
    {
        QTemporaryDir dir;
        Store store((dir.path() + "/db.sqlite").toStdString());
        ChatSession session(store, *m_model, *m_tokenizer, m_modelPath);
        ConversationSettings settings;
        settings.systemPrompt = "You are a helpful assistant.";
        session.start(m_model->newState(), "with system", settings);
        const ChatTurn turn = session.send("Hello!", greedyChat());

        State state = m_model->newState();
        m_model->forward(m_tokenizer->encode(systemPrompt(settings.systemPrompt)), state);
        const GenerationResult r = generate(*m_model, m_tokenizer.get(), m_tokenizer->encode(chatPrompt("Hello!")), state, greedyChat());
        QCOMPARE(turn.generation.text, r.text);
        QVERIFY(sameBits(session.restore(turn.assistantMessageId).data(), state.data()));
    }

    // With a model lock (the app's, shared with its API server) a turn takes it per model call:
    // another user gets the model between two of its tokens, not after the whole reply.
    void aTurnLetsOthersInBetweenItsTokens()
    {
        QTemporaryDir dir;
        Store store((dir.path() + "/db.sqlite").toStdString());
        ChatSession session(store, *m_model, *m_tokenizer, m_modelPath);
        FairMutex lock;
        session.setModelLock(&lock);
        session.start(m_model->newState(), "", {});
        std::atomic<bool> acquired{false};
        bool inTurn = false;
        std::thread other;
        int pieces = 0;
        const ChatTurn turn = session.send("Tell me about the river.", greedyChat(), [&](std::string_view) {
            if (++pieces != 2) return;
            other = std::thread([&] {
                const std::lock_guard g(lock);
                acquired = true;
                State s = m_model->newState();
                m_model->forward(std::vector<int32_t>{33, 44}, s);
            });
            for (int i = 0; i < 400 && !acquired; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
            inTurn = acquired;
        });
        other.join();
        QVERIFY(pieces > 2);
        QVERIFY2(inTurn, "the turn held the model lock between its tokens");
        QVERIFY(!turn.generation.text.empty());
    }

    void otherWeightsAreRefusedThenRebuilt()
    {
        QTemporaryDir dir;
        Store store((dir.path() + "/db.sqlite").toStdString());
        ChatSession session(store, *m_model, *m_tokenizer, m_modelPath);
        const int64_t conversation = session.start(m_model->newState(), "", {});
        const ChatTurn turn = session.send("What is 7 + 5?", greedyChat());
        const std::vector<std::byte> original = store.snapshots().loadBytes(turn.snapshotId);

        // Pretend the conversation was saved with other weights: same shape, other fingerprint.
        Fingerprint other = m_model->fingerprint();
        other[3] ^= 0x5a;
        store.snapshots().registerModel(other, "/models/other-weights.pth", m_model->config());
        for (const int64_t message : {*store.conversations().message(turn.userMessageId).parentId, turn.assistantMessageId}) {
            const SnapshotInfo mine = store.snapshots().forMessage(message).front();
            State s = store.snapshots().load(mine.id, m_model->config(), m_model->fingerprint());
            State foreign(m_model->config(), other);
            std::copy(s.data().begin(), s.data().end(), foreign.data().begin());
            store.snapshots().remove(mine.id);
            store.snapshots().save(foreign, {message, std::nullopt});
        }

        ChatSession resumed(store, *m_model, *m_tokenizer, m_modelPath);
        resumed.open(conversation);
        const Error e = expectError([&] { resumed.send("Thank you!", greedyChat()); });
        QCOMPARE(e.code(), ErrorCode::IncompatibleState);
        const std::string message = e.what();
        QVERIFY2(message.find("other weights") != std::string::npos, e.what());
        QVERIFY2(message.find("other-weights.pth") != std::string::npos, e.what());
        QVERIFY2(message.find("replaying") != std::string::npos, e.what());
        QCOMPARE(store.conversations().get(conversation).messageCount, int64_t(2));

        QCOMPARE(resumed.rebuildByReplay(resumed.currentMessageId()), 2);
        // Replaying the text feeds the tokens the reply was sampled as (here they tokenize
        // alike), in one call instead of one per token: the same state up to float rounding.
        const State rebuilt = resumed.restore(turn.assistantMessageId);
        const State before = State::deserialize(original, m_model->config(), m_model->fingerprint());
        const std::vector<float> a(rebuilt.data().begin(), rebuilt.data().end());
        const std::vector<float> b(before.data().begin(), before.data().end());
        QVERIFY2(test::relativeMaxError(a, b) < 1e-5, "the rebuilt state differs from the original");
        QCOMPARE(resumed.send("Thank you!", greedyChat()).generation.text, uninterrupted({"What is 7 + 5?", "Thank you!"})[1]);
        QCOMPARE(resumed.rebuildByReplay(resumed.currentMessageId()), 0);
    }

    void schemaOneConversationContinues()
    {
        QTemporaryDir dir;
        const QString path = dir.path() + "/v1.sqlite";
        QVERIFY(QFile::copy(QString::fromStdString((test::dataDir() / "store/schema-v1.sqlite").string()), path));
        QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner);
        Store store(path.toStdString());
        ChatSession session(store, *m_model, *m_tokenizer, m_modelPath);
        session.open(1);
        QCOMPARE(session.send("Hello!", greedyChat()).generation.text, std::string("Hello! How can I help you today?"));
    }
};

QTEST_GUILESS_MAIN(TestChatSession)
#include "test_chat_session.moc"
