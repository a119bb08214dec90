// Documents and chats meet, with the demo model: a chat about a stored document answers its
// first question exactly as `ask` does (the recorded qa10 answers) and keeps the dialogue after
// it; reading documents into a chat gives the state of feeding their prompts after the reply
// (one after another, branching like any message); a cancelled read stores nothing; pruning
// never drops a document's state and a pruned reply after one is rebuilt from it; a document
// read with other weights is refused with its name; export and import keep document messages.
#include "backends/registry.h"
#include "core/chat_session.h"
#include "core/checkpoint.h"
#include "core/document_library.h"
#include "core/error.h"
#include "core/prompt_format.h"
#include "core/store/state_retention.h"
#include "core/store/transfer.h"
#include "core/tokenizer/world_tokenizer.h"
#include "support/reference_case.h"
#include "support/session_helpers.h"
#include "support/test_support.h"

#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <cstring>
#include <fstream>

using namespace rwkv;
using rwkv::test::countRows;
using rwkv::test::expectError;
using rwkv::test::greedyQaOptions;
using rwkv::test::maxStateDifference;
using rwkv::test::writeFile;

namespace {

std::vector<float> values(const State& s) { return {s.data().begin(), s.data().end()}; }

bool sameBits(const State& a, const State& b)
{
    return a.data().size() == b.data().size() && std::memcmp(a.data().data(), b.data().data(), a.data().size() * 4) == 0;
}

} // namespace

class TestDocumentChats : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<Device> m_device;
    std::unique_ptr<Model> m_model;
    std::unique_ptr<WorldTokenizer> m_tokenizer;
    std::filesystem::path m_modelPath;
    nlohmann::json m_qa;

    std::string qa(size_t i, const char* key) const { return m_qa.at(i).at(key).get<std::string>(); }

private slots:
    void initTestCase()
    {
        m_device = createDevice("cpu");
        m_modelPath = test::demoModelPath();
        m_model = Model::load(Checkpoint::open(m_modelPath), *m_device, DType::F32);
        m_tokenizer = WorldTokenizer::load(test::worldVocabPath());
        std::ifstream in(test::dataDir() / "rwkv7-demo-18.7m-20261123.verify.json");
        m_qa = nlohmann::json::parse(in).at("qa10").at("items");
    }

    void chatAboutDocumentAnswersLikeAskAndRemembers()
    {
        QTemporaryDir dir;
        Store store((dir.path() + "/db.sqlite").toStdString());
        DocumentLibrary library(store, *m_model, *m_tokenizer, m_modelPath);
        ChatSession session(store, *m_model, *m_tokenizer, m_modelPath);
        for (size_t i : {0, 4, 7}) {
            const IngestResult doc = library.ingest(writeFile(dir, "qa" + std::to_string(i) + ".txt", qa(i, "document")));
            ConversationSettings settings;
            settings.systemPrompt = "You are a pirate."; // no place before a document read without one
            const DocumentTurn opened = session.startFromDocument(doc.document, library.documentState(doc.document.id), settings);
            QCOMPARE(opened.tokens, doc.document.tokenCount);
            QCOMPARE(store.conversations().get(session.conversationId()).title, doc.document.name);
            QCOMPARE(store.conversations().settings(session.conversationId()).systemPrompt, std::string());
            const MessageRecord docMessage = store.conversations().message(opened.messageId);
            QCOMPARE(docMessage.role, MessageRole::Document);
            QCOMPARE(docMessage.content, doc.document.name);
            QCOMPARE(docMessage.tokenCount, std::optional<int64_t>(doc.document.tokenCount));
            QVERIFY(sameBits(session.restore(opened.messageId), library.documentState(doc.document.id)));

            const ChatTurn first = session.send(qa(i, "question"), greedyQaOptions());
            QCOMPARE(first.generation.text, qa(i, "expected"));
            QCOMPARE(first.generation.text, library.ask(doc.document.id, qa(i, "question"), greedyQaOptions()).text);
            // The next question starts after the first answer, not from the document again.
            State expected = session.restore(first.assistantMessageId);
            const std::string followUp = "Say that again.";
            const std::string reply =
                generate(*m_model, m_tokenizer.get(), m_tokenizer->encode(chatPrompt(followUp)), expected,
                         [] { GenerationOptions o = greedyQaOptions(); o.stopStrings = {std::string(kTurnEnd)}; o.dropLeadingSpace = true; return o; }())
                    .text;
            QCOMPARE(session.send(followUp, greedyQaOptions()).generation.text, reply);
            // root (empty system prompt) → document → user → assistant → user → assistant
            QCOMPARE(store.conversations().pathTo(session.currentMessageId()).size(), size_t(6));
        }
        QCOMPARE(store.integrityCheck(), std::string("ok"));
    }

    void documentsReadIntoAChatFollowTheReply()
    {
        QTemporaryDir dir;
        Store store((dir.path() + "/db.sqlite").toStdString());
        ChatSession session(store, *m_model, *m_tokenizer, m_modelPath);
        ConversationSettings settings;
        settings.systemPrompt = "You answer questions about documents.";
        session.start(m_model->newState(), "", settings);
        const ChatTurn hello = session.send("Hello!", greedyQaOptions());

        const auto first = writeFile(dir, "first.txt", qa(2, "document"));
        const auto second = writeFile(dir, "second.md", qa(3, "document"));
        std::vector<IngestProgress> reports;
        const DocumentTurn a = session.readDocument(hello.assistantMessageId, first, {},
                                                    [&](const IngestProgress& p) { reports.push_back(p); });
        const DocumentTurn b = session.readDocument(a.messageId, second, "notes");
        QCOMPARE(session.currentMessageId(), b.messageId);
        QCOMPARE(a.tokens, int64_t(m_tokenizer->encode(documentPrompt(qa(2, "document"))).size()));
        QVERIFY(!reports.empty());
        QCOMPARE(reports.back().tokensDone, a.tokens);
        QCOMPARE(store.conversations().message(a.messageId).content, std::string("first.txt"));
        QCOMPARE(store.conversations().message(b.messageId).content, std::string("notes"));
        QCOMPARE(*store.conversations().message(b.messageId).parentId, a.messageId);

        // The state is the reply's with both document prompts fed after it.
        State fed = session.restore(hello.assistantMessageId);
        m_model->forward(m_tokenizer->encode(documentPrompt(qa(2, "document"))), fed);
        QVERIFY(test::relativeMaxError(values(session.restore(a.messageId)), values(fed)) < 1e-5);
        m_model->forward(m_tokenizer->encode(documentPrompt(qa(3, "document"))), fed);
        QVERIFY(test::relativeMaxError(values(session.restore(b.messageId)), values(fed)) < 1e-5);

        // Branches like any message: two questions after the first document, then back.
        const ChatTurn q1 = session.sendFrom(a.messageId, qa(2, "question"), greedyQaOptions());
        const ChatTurn q2 = session.sendFrom(a.messageId, "What is this about?", greedyQaOptions());
        QCOMPARE(store.conversations().children(a.messageId).size(), size_t(3)); // document "notes" and two questions
        QCOMPARE(*store.conversations().message(q1.userMessageId).parentId, a.messageId);
        QCOMPARE(*store.conversations().message(q2.userMessageId).parentId, a.messageId);
        session.switchTo(b.messageId);
        QCOMPARE(session.currentMessageId(), b.messageId);
        // Reading at a user message is refused; the count of messages is unchanged by it.
        const int64_t messages = store.conversations().get(session.conversationId()).messageCount;
        QCOMPARE(expectError([&] { session.readDocument(q1.userMessageId, first); }).code(), ErrorCode::InvalidArgument);
        QCOMPARE(store.conversations().get(session.conversationId()).messageCount, messages);
    }

    void cancelledReadStoresNothing()
    {
        QTemporaryDir dir;
        Store store((dir.path() + "/db.sqlite").toStdString());
        ChatSession session(store, *m_model, *m_tokenizer, m_modelPath);
        session.start(m_model->newState(), "", {});
        const ChatTurn hello = session.send("Hello!", greedyQaOptions());
        std::string text;
        for (int i = 0; i < 300; ++i) text.append("Line ").append(std::to_string(i)).append(" of a long file.\n");
        const auto path = writeFile(dir, "long.txt", text);
        const int64_t snapshots = countRows(store.database(), "snapshots"), messages = countRows(store.database(), "messages");
        std::stop_source stop;
        const Error e = expectError([&] {
            session.readDocument(hello.assistantMessageId, path, {}, [&](const IngestProgress&) { stop.request_stop(); },
                                 stop.get_token());
        });
        QCOMPARE(e.code(), ErrorCode::Cancelled);
        QCOMPARE(countRows(store.database(), "snapshots"), snapshots);
        QCOMPARE(countRows(store.database(), "messages"), messages);
        QCOMPARE(session.currentMessageId(), hello.assistantMessageId);
        QCOMPARE(expectError([&] { session.readDocument(hello.assistantMessageId, dir.path().toStdString() + "/none.txt"); }).code(),
                 ErrorCode::Io);
    }

    void pruningKeepsDocumentsAndRebuildsAfterThem()
    {
        QTemporaryDir dir;
        Store store((dir.path() + "/db.sqlite").toStdString());
        ChatSession session(store, *m_model, *m_tokenizer, m_modelPath);
        session.start(m_model->newState(), "", {});
        const DocumentTurn doc = session.readDocument(session.currentMessageId(), writeFile(dir, "d.txt", qa(5, "document")));
        const std::vector<std::string> questions = {"Who is it about?", "Where?", "Why?", "When?"};
        std::vector<ChatTurn> turns;
        for (const std::string& q : questions) turns.push_back(session.send(q, greedyQaOptions()));
        const PruneReport report = pruneConversationStates(store, session.conversationId(), 100);
        QCOMPARE(report.snapshots, int64_t(3)); // the replies but the last (a leaf and current)
        QCOMPARE(store.snapshots().forMessage(doc.messageId).size(), size_t(1));
        QVERIFY(store.snapshots().forMessage(turns[1].assistantMessageId).empty());
        // Rebuilt from the document's state by replaying the two turns' text (which this tiny
        // model's sampled tokens need not match, so the reference is the text, not the run).
        State expected = session.restore(doc.messageId);
        for (size_t i = 0; i < 2; ++i)
            m_model->forward(m_tokenizer->encode(chatPrompt(questions[i]) + " " + turns[i].generation.text + "\n\n"), expected);
        const float d = maxStateDifference(session.restore(turns[1].assistantMessageId), expected);
        QVERIFY2(d < 1e-4f, qPrintable(QString("max difference %1").arg(d)));
    }

    void documentOfOtherWeightsIsRefusedByName()
    {
        QTemporaryDir dir;
        Store store((dir.path() + "/db.sqlite").toStdString());
        ChatSession session(store, *m_model, *m_tokenizer, m_modelPath);
        const int64_t id = session.start(m_model->newState(), "", {});
        const DocumentTurn doc = session.readDocument(session.currentMessageId(), writeFile(dir, "report.txt", qa(1, "document")));
        const ChatTurn turn = session.send("Who?", greedyQaOptions());
        // The document and the reply after it as if read with other weights of the same shape.
        Fingerprint other = m_model->fingerprint();
        other[0] ^= 0x11;
        store.snapshots().registerModel(other, "/models/other.pth", m_model->config());
        for (const int64_t message : {doc.messageId, turn.assistantMessageId}) {
            const SnapshotInfo mine = store.snapshots().forMessage(message).front();
            State foreign(m_model->config(), other);
            const State s = store.snapshots().load(mine.id, m_model->config(), m_model->fingerprint());
            std::copy(s.data().begin(), s.data().end(), foreign.data().begin());
            store.snapshots().remove(mine.id);
            store.snapshots().save(foreign, {message, std::nullopt});
        }
        ChatSession resumed(store, *m_model, *m_tokenizer, m_modelPath);
        resumed.open(id);
        const Error e = expectError([&] { resumed.rebuildByReplay(turn.assistantMessageId); });
        QCOMPARE(e.code(), ErrorCode::IncompatibleState);
        QVERIFY2(std::string(e.what()).find("'report.txt'") != std::string::npos, e.what());
        QCOMPARE(store.snapshots().forMessage(turn.assistantMessageId).size(), size_t(1)); // nothing written
    }

    void exportAndImportKeepDocumentMessages()
    {
        QTemporaryDir dir;
        Store original((dir.path() + "/a.sqlite").toStdString());
        ChatSession session(original, *m_model, *m_tokenizer, m_modelPath);
        const int64_t id = session.start(m_model->newState(), "", {});
        const DocumentTurn doc = session.readDocument(session.currentMessageId(), writeFile(dir, "d.txt", qa(6, "document")));
        const auto file = dir.path().toStdString() + "/conv.rwkvconv";
        QCOMPARE(exportConversation(original, id, file).messages, int64_t(2));

        Store fresh((dir.path() + "/b.sqlite").toStdString());
        const ImportedConversation imported =
            importConversation(fresh, file, {m_model->config(), m_model->fingerprint(), m_modelPath});
        ChatSession again(fresh, *m_model, *m_tokenizer, m_modelPath);
        again.open(imported.conversationId);
        const MessageRecord m = fresh.conversations().message(again.currentMessageId());
        QCOMPARE(m.role, MessageRole::Document);
        QCOMPARE(m.tokenCount, std::optional<int64_t>(doc.tokens));
        QCOMPARE(again.send(qa(6, "question"), greedyQaOptions()).generation.text, session.send(qa(6, "question"), greedyQaOptions()).generation.text);
    }
};

QTEST_GUILESS_MAIN(TestDocumentChats)
#include "test_document_chats.moc"
