// Pruning the states that can be rebuilt (core/store/state_retention.h), with the demo model:
// the root, branch points, the last reply of every branch, the current message, every N-th
// reply and named states stay; any other reply's state comes back through ChatSession::restore
// by replaying from the nearest kept one, equal to the state it had, and a turn continues from it.
#include "backends/registry.h"
#include "core/chat_session.h"
#include "core/checkpoint.h"
#include "core/error.h"
#include "core/prompt_format.h"
#include "core/store/state_retention.h"
#include "core/tokenizer/world_tokenizer.h"
#include "support/session_helpers.h"
#include "support/test_support.h"

#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <set>

using namespace rwkv;
using rwkv::test::maxStateDifference;

namespace {

GenerationOptions greedy()
{
    GenerationOptions o;
    o.maxTokens = 24;
    o.sampling.temperature = 0;
    return o;
}

} // namespace

class TestStateRetention : public QObject {
    Q_OBJECT

    std::unique_ptr<Device> m_device;
    std::unique_ptr<Model> m_model;
    std::unique_ptr<WorldTokenizer> m_tokenizer;

private slots:
    void initTestCase()
    {
        m_device = createDevice("cpu");
        const Checkpoint ck = Checkpoint::open(test::demoModelPath());
        m_model = Model::load(ck, *m_device, DType::F32);
        m_tokenizer = WorldTokenizer::load(test::worldVocabPath());
    }

    void prunesWhatCanBeRebuilt()
    {
        QTemporaryDir dir;
        Store store((dir.path() + "/db.sqlite").toStdString());
        ChatSession chat(store, *m_model, *m_tokenizer, test::demoModelPath());
        const int64_t conversation = chat.start(m_model->newState(), "", {});
        const int64_t root = chat.currentMessageId();
        const char* questions[] = {"What is 7 + 5?", "Who lives in Mainmoor?", "Tell me about the shepherd.",
                                   "What is the capital of Neathria?", "And its river?", "Name a colour.",
                                   "What is 3 + 4?", "Say hello.", "What is 2 + 2?", "Thank you!"};
        std::vector<int64_t> replies; // turn i + 1 is replies[i]
        for (const char* q : questions) replies.push_back(chat.send(q, greedy()).assistantMessageId);
        // A second answer to turn 5's question: turn 4 becomes a branch point, the new reply a leaf
        // and the current message; turn 10 stays the other branch's last reply.
        const int64_t again = chat.regenerate(replies[4], greedy()).assistantMessageId;
        // A named state on turn 2, which would otherwise go.
        store.snapshots().insert(store.snapshots().codec().encode(chat.restore(replies[1])), m_model->fingerprint(),
                                 {replies[1], std::string("kept by name")});
        std::vector<State> before;
        for (int64_t id : replies) before.push_back(chat.restore(id));

        const PruneReport report = pruneConversationStates(store, conversation, 4);
        std::set<int64_t> stored;
        for (const MessageRecord& m : store.conversations().messages(conversation))
            for (const SnapshotInfo& s : store.snapshots().forMessage(m.id))
                if (s.name.empty()) stored.insert(m.id);
        // Kept: root; turns 4 and 8 (every 4th; 4 is also the branch point); turn 10 and the new
        // turn 5 (leaves; the latter also current). Gone: turns 1, 2, 3, 5, 6, 7, 9.
        QCOMPARE(stored, (std::set<int64_t>{root, replies[3], replies[7], replies[9], again}));
        QCOMPARE(report.snapshots, int64_t(7));
        QVERIFY(report.bytes > 0);
        QVERIFY(store.snapshots().named("kept by name"));

        // Every reply's state is back, replayed from the nearest kept one.
        for (size_t i = 0; i < replies.size(); ++i) {
            const float d = maxStateDifference(chat.restore(replies[i]), before[i]);
            QVERIFY2(d < 1e-4f, qPrintable(QString("turn %1: max difference %2").arg(i + 1).arg(d)));
        }
        // A turn continues from a pruned reply as it would have from its stored state.
        State expected = before[5];
        const GenerationResult alone =
            generate(*m_model, m_tokenizer.get(), m_tokenizer->encode(chatPrompt("Name a colour.")), expected, [] {
                GenerationOptions o = greedy();
                o.stopStrings = {std::string(kTurnEnd)};
                o.dropLeadingSpace = true;
                return o;
            }());
        QCOMPARE(chat.sendFrom(replies[5], "Name a colour.", greedy()).generation.text, alone.text);
        QVERIFY_THROWS_EXCEPTION(Error, pruneConversationStates(store, conversation, 0));
    }
};

QTEST_GUILESS_MAIN(TestStateRetention)
#include "test_state_retention.moc"
