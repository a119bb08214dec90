// One model shared by chat turns, document reading and API completions at the same time, as
// the app shares it (its chat turns and document answers decode in the API engine's batch,
// which takes the model lock for each step; its worker holds the lock for a whole ingest): every
// answer equals the one the same work gives alone, each store stays intact, and nothing
// deadlocks. On the CPU in fp32 a batched step sums each row exactly as a single one, so
// "equals" is exact text.
// Built under ThreadSanitizer by the tsan preset (docs/fuzzing.md, "Concurrency").
#include "backends/registry.h"
#include "core/chat_session.h"
#include "core/checkpoint.h"
#include "core/document_library.h"
#include "core/prompt_format.h"
#include "core/tokenizer/world_tokenizer.h"
#include "server/batch_replies.h"
#include "server/completion_engine.h"
#include "support/session_helpers.h"
#include "support/test_support.h"

#include <QTemporaryDir>
#include <nlohmann/json.hpp>
#include <QTest>

#include <fstream>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace rwkv;
using namespace rwkv::server;
using rwkv::test::maxStateDifference;

namespace {

constexpr int kApiClients = 2;
constexpr int kRounds = 3; // chat turns, documents and completions per client

GenerationOptions greedy(int maxTokens)
{
    GenerationOptions o;
    o.maxTokens = maxTokens;
    o.sampling.temperature = 0;
    o.stopStrings = {std::string(kTurnEnd)};
    return o;
}

const char* const kQuestions[kRounds] = {"Hello!", "What is 7 + 5?", "What is the capital of Neathria?"};

// Everything one run answers, in a fixed order per kind of work, and what went wrong.
struct Answers {
    std::vector<std::string> chat, documents;
    std::vector<std::vector<std::string>> api = std::vector<std::vector<std::string>>(kApiClients);
    std::vector<std::string> errors; // one per thread of work, empty when it finished
    std::string integrity;           // the store's integrity_check afterwards
};

} // namespace

class TestServeConcurrency : public QObject {
    Q_OBJECT

    std::unique_ptr<Device> m_device;
    std::unique_ptr<Model> m_model;
    std::unique_ptr<WorldTokenizer> m_tokenizer;
    std::filesystem::path m_modelPath;

    // Chat turns in one conversation: alone, each holding the model lock throughout; with a
    // batch (as the app while its API server runs), decoded in it beside the API's requests.
    void chat(Store& store, FairMutex& lock, CompletionEngine* batch, std::vector<std::string>& replies)
    {
        ChatSession session(store, *m_model, *m_tokenizer, m_modelPath);
        if (batch) {
            session.setModelLock(&lock);
            session.setReplyDecoder(batchReplyDecoder(batch->scheduler()));
        }
        const auto holdAlone = [&] { return lockIfShared(batch ? nullptr : &lock); };
        {
            const auto held = holdAlone();
            session.start(m_model->newState(), "", {});
        }
        for (const char* question : kQuestions) {
            const auto held = holdAlone();
            replies.push_back(session.send(question, greedy(40)).generation.text);
        }
    }

    // Reads the first documents of the demo model's qa10 set and asks each its question,
    // holding the lock for each step; with a batch, the answers are decoded in it.
    void documents(Store& store, FairMutex& lock, CompletionEngine* batch, const QTemporaryDir& dir,
                   std::vector<std::string>& answers)
    {
        std::ifstream in(test::dataDir() / "rwkv7-demo-18.7m-20261123.verify.json");
        const nlohmann::json items = nlohmann::json::parse(in).at("qa10").at("items");
        DocumentLibrary library(store, *m_model, *m_tokenizer, m_modelPath);
        if (batch) {
            library.setModelLock(&lock);
            library.setReplyDecoder(batchReplyDecoder(batch->scheduler()));
        }
        for (int i = 0; i < kRounds; ++i) {
            const nlohmann::json& item = items.at(size_t(i));
            const std::filesystem::path file = (dir.path() + QStringLiteral("/doc%1.txt").arg(i)).toStdString();
            std::ofstream(file) << item.at("document").get<std::string>();
            int64_t id = 0;
            {
                const std::lock_guard hold(lock);
                id = library.ingest(file).document.id;
            }
            const auto held = lockIfShared(batch ? nullptr : &lock);
            answers.push_back(library.ask(id, item.at("question").get<std::string>(), greedy(24)).text);
        }
    }

    void api(CompletionEngine& engine, int client, std::vector<std::string>& texts)
    {
        for (int i = 0; i < kRounds; ++i) {
            CompletionRequest request;
            request.messages = {{ChatRole::User, kQuestions[(i + client) % kRounds]}};
            request.options = greedy(32);
            texts.push_back(engine.run(request, {}, {}).choices.at(0).text);
        }
    }

    // The work of every kind, one after another (concurrent = false) or all at once.
    Answers run(bool concurrent)
    {
        QTemporaryDir dir;
        const std::string db = (dir.path() + "/db.sqlite").toStdString();
        Store chatStore(db), documentStore(db); // one connection per thread, as the app's
        FairMutex lock;
        PrefixCache cache(*m_model, int64_t(1) << 30, nullptr);
        CompletionEngine engine(*m_model, *m_tokenizer, lock, cache);
        Answers a;
        std::vector<std::function<void()>> work = {
            [&] { chat(chatStore, lock, concurrent ? &engine : nullptr, a.chat); },
            [&] { documents(documentStore, lock, concurrent ? &engine : nullptr, dir, a.documents); },
        };
        for (int c = 0; c < kApiClients; ++c) work.push_back([&, c] { api(engine, c, a.api[size_t(c)]); });
        a.errors.resize(work.size());
        const auto guarded = [&](size_t i) {
            try {
                work[i]();
            } catch (const std::exception& e) {
                a.errors[i] = e.what();
            }
        };
        if (concurrent) {
            std::vector<std::jthread> threads;
            for (size_t i = 0; i < work.size(); ++i) threads.emplace_back(guarded, i);
        } else {
            for (size_t i = 0; i < work.size(); ++i) guarded(i);
        }
        a.integrity = chatStore.integrityCheck();
        return a;
    }

private slots:
    void initTestCase()
    {
        m_device = createDevice("cpu");
        m_modelPath = test::demoModelPath();
        m_model = Model::load(Checkpoint::open(m_modelPath), *m_device, DType::F32);
        m_tokenizer = WorldTokenizer::load(test::worldVocabPath());
    }

    static void checkFinished(const Answers& a)
    {
        for (const std::string& e : a.errors) QVERIFY2(e.empty(), e.c_str());
        QCOMPARE(a.integrity, std::string("ok"));
        QCOMPARE(a.chat.size(), size_t(kRounds));
        QCOMPARE(a.documents.size(), size_t(kRounds));
        for (const auto& texts : a.api) QCOMPARE(texts.size(), size_t(kRounds));
    }

    void everyAnswerAsAlone()
    {
        const Answers alone = run(false);
        checkFinished(alone);
        if (QTest::currentTestFailed()) return;
        for (const std::string& reply : alone.chat) QVERIFY(!reply.empty());
        for (const std::string& answer : alone.documents) QVERIFY(!answer.empty());
        for (int pass = 0; pass < 3; ++pass) {
            const Answers together = run(true);
            checkFinished(together);
            if (QTest::currentTestFailed()) return;
            QCOMPARE(together.chat, alone.chat);
            QCOMPARE(together.documents, alone.documents);
            for (int c = 0; c < kApiClients; ++c) QCOMPARE(together.api[size_t(c)], alone.api[size_t(c)]);
        }
    }

    // The chat's turns in the running batch (server/batch_replies.h): alternatives as
    // generateAlternatives makes them alone, and a stop mid-reply keeps the text so far, stored
    // with a state that holds exactly the prompt, those tokens and the turn end.
    void chatTurnsInTheBatch()
    {
        QTemporaryDir dir;
        Store store((dir.path() + "/db.sqlite").toStdString());
        FairMutex lock;
        PrefixCache cache(*m_model, int64_t(1) << 30, nullptr);
        CompletionEngine engine(*m_model, *m_tokenizer, lock, cache);
        ChatSession session(store, *m_model, *m_tokenizer, m_modelPath);
        session.setModelLock(&lock);
        session.start(m_model->newState(), "", {});
        const ChatTurn first = session.send("Hello!", greedy(24));

        GenerationOptions sampled;
        sampled.maxTokens = 24;
        sampled.sampling.temperature = 1.0f;
        sampled.sampling.topP = 0.9f;
        sampled.sampling.seed = 7;
        const std::vector<ChatTurn> alone = session.regenerateAlternatives(first.assistantMessageId, sampled, 3);
        session.setReplyDecoder(batchReplyDecoder(engine.scheduler()));
        const std::vector<ChatTurn> batched = session.regenerateAlternatives(first.assistantMessageId, sampled, 3);
        QCOMPARE(batched.size(), alone.size());
        for (size_t i = 0; i < alone.size(); ++i) {
            QCOMPARE(batched[i].generation.text, alone[i].generation.text);
            QCOMPARE(batched[i].generation.tokens, alone[i].generation.tokens);
            QCOMPARE(int(batched[i].generation.reason), int(alone[i].generation.reason));
        }

        std::stop_source stop;
        int pieces = 0;
        const std::string question = "Tell me a long story about the river town.";
        const ChatTurn cut = session.sendFrom(first.assistantMessageId, question, greedy(400), [&](std::string_view) {
            if (++pieces == 4) stop.request_stop();
        }, stop.get_token());
        QCOMPARE(int(cut.generation.reason), int(StopReason::Cancelled));
        QVERIFY2(!cut.generation.tokens.empty() && cut.generation.tokens.size() < 40,
                 qPrintable(QString("%1 tokens after the stop").arg(cut.generation.tokens.size())));
        QCOMPARE(store.conversations().message(cut.assistantMessageId).content, cut.generation.text);
        std::vector<int32_t> fed = m_tokenizer->encode(chatPrompt(question));
        fed.insert(fed.end(), cut.generation.tokens.begin(), cut.generation.tokens.end());
        const std::vector<int32_t> end = m_tokenizer->encode(kTurnEnd);
        fed.insert(fed.end(), end.begin(), end.end());
        State expected = session.restore(first.assistantMessageId);
        m_model->forward(fed, expected);
        QVERIFY(maxStateDifference(session.restore(cut.assistantMessageId), expected) < 1e-4f);
    }
};

QTEST_GUILESS_MAIN(TestServeConcurrency)
#include "test_serve_concurrency.moc"
