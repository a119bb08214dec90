// Export and import on real SQLite files with the demo model: a conversation exported with
// its branches and states and imported into a fresh database continues exactly as the
// original does (greedy, token for token), a named state likewise, and the Markdown export
// shows the current branch under one heading per role.
#include "backends/registry.h"
#include "core/chat_session.h"
#include "core/checkpoint.h"
#include "core/error.h"
#include "core/prompt_format.h"
#include "core/random_model.h"
#include "core/store/conversation_markdown.h"
#include "core/store/transfer.h"
#include "core/tokenizer/world_tokenizer.h"
#include "support/test_support.h"

#include <QTemporaryDir>
#include <QTest>

#include <cstring>
#include <fstream>
#include <sstream>

using namespace rwkv;

namespace {

GenerationOptions greedyChat()
{
    GenerationOptions o;
    o.maxTokens = 60;
    o.sampling.temperature = 0;
    o.stopStrings = {std::string(kTurnEnd)};
    o.dropLeadingSpace = true;
    return o;
}

// 40 greedy tokens with no stop: the continuation compared between the two databases.
GenerationOptions greedy40()
{
    GenerationOptions o;
    o.maxTokens = 40;
    o.sampling.temperature = 0;
    return o;
}

bool sameBits(std::span<const float> a, std::span<const float> b)
{
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * 4) == 0;
}

// The tree as text: "role:parent-index:content" per message in id order, ids made relative.
std::vector<std::string> treeShape(const std::vector<MessageRecord>& messages)
{
    std::vector<std::string> out;
    for (const MessageRecord& m : messages) {
        std::string parent = "root";
        for (size_t i = 0; i < messages.size(); ++i)
            if (m.parentId && messages[i].id == *m.parentId) parent = std::to_string(i);
        out.push_back(std::string(messageRoleName(m.role)) + ":" + parent + ":" + m.content);
    }
    return out;
}

} // namespace

class TestTransfer : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<Device> m_device;
    std::unique_ptr<Model> m_model;
    std::unique_ptr<WorldTokenizer> m_tokenizer;
    std::filesystem::path m_modelPath;
    QTemporaryDir m_dir;

    TransferModel loaded() const { return {m_model->config(), m_model->fingerprint(), m_modelPath}; }
    std::filesystem::path file(const char* name) const { return std::filesystem::path(m_dir.path().toStdString()) / name; }

    // Restores the conversation's current state and generates 40 greedy tokens after a new turn.
    std::vector<int32_t> continueConversation(Store& store, int64_t id, State* restored = nullptr)
    {
        ChatSession session(store, *m_model, *m_tokenizer, m_modelPath);
        session.open(id);
        State state = session.restore(session.currentMessageId());
        if (restored) *restored = state;
        return generate(*m_model, m_tokenizer.get(), m_tokenizer->encode(chatPrompt("Tell me a joke.")), state, greedy40())
            .tokens;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_device = createDevice("cpu");
        m_modelPath = test::demoModelPath();
        const Checkpoint ck = Checkpoint::open(m_modelPath);
        m_model = Model::load(ck, *m_device, DType::F32);
        m_tokenizer = WorldTokenizer::load(test::worldVocabPath());
    }

    void conversationRoundTripContinuesTheSame()
    {
        Store original(file("original.sqlite"));
        ChatSession session(original, *m_model, *m_tokenizer, m_modelPath);
        ConversationSettings settings;
        settings.systemPrompt = "You are a helpful assistant.";
        settings.samplingJson = R"({"temperature":0.5,"top_p":0.2})";
        const int64_t id = session.start(m_model->newState(), "Sums", settings);
        const ChatTurn first = session.send("What is 7 + 5?", greedyChat());
        session.send("Thank you!", greedyChat());
        // A second branch after the first reply; the conversation continues on it.
        session.sendFrom(first.assistantMessageId, "What is 2 + 2?", greedyChat());
        const std::filesystem::path exported = file("sums.rwkvx");
        const ExportSummary summary = exportConversation(original, id, exported);
        QCOMPARE(summary.messages, int64_t(7)); // root, 3 questions, 3 replies
        QCOMPARE(summary.states, int64_t(4));   // root and every reply

        Store fresh(file("fresh.sqlite"));
        const ImportedConversation imported = importConversation(fresh, exported, loaded());
        QCOMPARE(imported.messages, int64_t(7));
        QCOMPARE(imported.states, int64_t(4));
        QCOMPARE(imported.statesOfOtherWeights, int64_t(0));
        const ConversationInfo copy = fresh.conversations().get(imported.conversationId);
        QCOMPARE(copy.title, std::string("Sums"));
        QCOMPARE(fresh.conversations().settings(imported.conversationId).systemPrompt, settings.systemPrompt);
        QCOMPARE(fresh.conversations().settings(imported.conversationId).samplingJson,
                 std::string(R"({"temperature":0.5,"top_p":0.2})"));
        QVERIFY(treeShape(fresh.conversations().messages(imported.conversationId))
                == treeShape(original.conversations().messages(id)));
        QCOMPARE(fresh.conversations().message(*copy.currentMessageId).content,
                 original.conversations().message(*original.conversations().get(id).currentMessageId).content);

        State before, after;
        const std::vector<int32_t> expected = continueConversation(original, id, &before);
        const std::vector<int32_t> got = continueConversation(fresh, imported.conversationId, &after);
        QCOMPARE(expected.size(), size_t(40));
        QVERIFY(sameBits(before.data(), after.data()));
        QCOMPARE(got, expected);
        QCOMPARE(fresh.integrityCheck(), std::string("ok"));
    }

    // After `conv rebuild` with other weights, messages keep a state per model: an import keeps
    // the loaded model's and leaves out (and counts) the others'.
    void statesOfOtherWeightsAreLeftOut()
    {
        RandomModelSpec spec;
        spec.layers = 1;
        spec.width = 64;
        spec.dtype = DType::F32;
        const std::filesystem::path randomPath = file("random.safetensors");
        writeSafetensors(randomPath, makeRandomModel(spec));
        const std::unique_ptr<Model> random = Model::load(Checkpoint::open(randomPath), *m_device, DType::F32);

        Store original(file("original.sqlite"));
        const int64_t id = original.conversations().list().front().id;
        ChatSession rebuild(original, *random, *m_tokenizer, randomPath);
        rebuild.open(id);
        QCOMPARE(rebuild.rebuildByReplay(rebuild.currentMessageId()), 3); // root and the branch's two replies
        const std::filesystem::path exported = file("two-models.rwkvx");
        QCOMPARE(exportConversation(original, id, exported).states, int64_t(7));

        Store fresh(file("two-models.sqlite"));
        const ImportedConversation demo = importConversation(fresh, exported, loaded());
        QCOMPARE(demo.states, int64_t(4));
        QCOMPARE(demo.statesOfOtherWeights, int64_t(3));
        const ImportedConversation other =
            importConversation(fresh, exported, {random->config(), random->fingerprint(), randomPath});
        QCOMPARE(other.states, int64_t(3));
        QCOMPARE(other.statesOfOtherWeights, int64_t(4));
        QCOMPARE(fresh.snapshots().allIds().size(), size_t(7));
        QCOMPARE(continueConversation(fresh, demo.conversationId), continueConversation(original, id));
    }

    void namedStateRoundTripContinuesTheSame()
    {
        Store original(file("states.sqlite"));
        State state = m_model->newState();
        m_model->forward(m_tokenizer->encode("The RWKV-7 Goose architecture is a recurrent"), state);
        original.snapshots().registerModel(m_model->fingerprint(), m_modelPath, m_model->config());
        original.snapshots().save(state, {std::nullopt, std::string("goose")});
        const std::filesystem::path exported = file("goose.rwkvx");
        QCOMPARE(exportNamedState(original, "goose", exported).states, int64_t(1));

        Store fresh(file("fresh-states.sqlite"));
        const ImportedState imported = importNamedState(fresh, exported, loaded(), std::nullopt, false);
        QCOMPARE(imported.name, std::string("goose"));
        QVERIFY(!imported.replaced);
        const auto continueFrom = [&](Store& store, const std::string& name) {
            State s = store.snapshots().load(store.snapshots().named(name)->id, m_model->config(), m_model->fingerprint());
            return generate(*m_model, m_tokenizer.get(), m_tokenizer->encode(" network"), s, greedy40()).tokens;
        };
        const std::vector<int32_t> expected = continueFrom(original, "goose");
        QCOMPARE(expected.size(), size_t(40));
        QCOMPARE(continueFrom(fresh, "goose"), expected);
        // The model card's canary continuation: the imported state is the state of that text.
        QCOMPARE(std::vector<int32_t>(expected.begin(), expected.begin() + 5),
                 (std::vector<int32_t>{32227, 47601, 4596, 56812, 31296}));

        // Another name keeps both; the same name needs replace, which keeps one row of it.
        QCOMPARE(importNamedState(fresh, exported, loaded(), std::string("copy"), false).name, std::string("copy"));
        QCOMPARE(continueFrom(fresh, "copy"), expected);
        try {
            importNamedState(fresh, exported, loaded(), std::nullopt, false);
            QFAIL("a second state named goose was imported");
        } catch (const Error& e) {
            QCOMPARE(e.code(), ErrorCode::InvalidArgument);
            QVERIFY2(std::string(e.what()).find("a state named 'goose' exists") != std::string::npos, e.what());
        }
        QVERIFY(importNamedState(fresh, exported, loaded(), std::nullopt, true).replaced);
        QCOMPARE(fresh.snapshots().listNamed().size(), size_t(2));
        QCOMPARE(continueFrom(fresh, "goose"), expected);
    }

    void exportRefusesToOverwrite()
    {
        Store original(file("states.sqlite"));
        const std::filesystem::path exported = file("goose.rwkvx");
        const auto size = std::filesystem::file_size(exported);
        try {
            exportNamedState(original, "goose", exported);
            QFAIL("an existing file was overwritten");
        } catch (const Error& e) {
            QCOMPARE(e.code(), ErrorCode::InvalidArgument);
        }
        QCOMPARE(std::filesystem::file_size(exported), size);
        QVERIFY(!std::filesystem::exists(file("goose.rwkvx.partial")));
    }

    void markdownShowsTheCurrentBranch()
    {
        Store store(file("markdown.sqlite"));
        ConversationStore& c = store.conversations();
        const int64_t id = c.create("Greetings", {});
        const int64_t root = c.addMessage(id, std::nullopt, MessageRole::System, "Be brief.");
        const int64_t hi = c.addMessage(id, root, MessageRole::User, "Hello!");
        c.addMessage(id, hi, MessageRole::Assistant, "An older reply");
        const int64_t reply = c.addMessage(id, hi, MessageRole::Assistant, "Hi! **How** can I help?\n\n```\ncode\n```");
        c.setCurrentMessage(id, reply);
        const std::string expected = "# Greetings\n\n## System\n\nBe brief.\n\n## User\n\nHello!\n\n## Assistant\n\n"
                                     "Hi! **How** can I help?\n\n```\ncode\n```\n";
        QCOMPARE(conversationMarkdown(c, id), expected);
        QCOMPARE(exportConversationMarkdown(c, id, file("greetings.md")), int64_t(3));
        std::ifstream in(file("greetings.md"), std::ios::binary);
        std::stringstream text;
        text << in.rdbuf();
        QCOMPARE(text.str(), expected);
    }
};

QTEST_GUILESS_MAIN(TestTransfer)
#include "test_transfer.moc"
