// One model shared by chat turns, document reading and API completions at the same time, as
// the app shares it (its worker thread holds the model lock for a whole turn, ingest or
// question; the API engine takes it for each step of its batch): every answer equals the one
// the same work gives alone, each store stays intact, and nothing deadlocks. On the CPU in
// fp32 a batched step sums each row exactly as a single one, so "equals" is exact text.
// Built under ThreadSanitizer by the tsan preset (docs/fuzzing.md, "Concurrency").
#include "backends/registry.h"
#include "core/chat_session.h"
#include "core/checkpoint.h"
#include "core/document_library.h"
#include "core/prompt_format.h"
#include "core/tokenizer/world_tokenizer.h"
#include "server/completion_engine.h"
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

    // Chat turns in one conversation, each holding the model lock throughout.
    void chat(Store& store, FairMutex& lock, std::vector<std::string>& replies)
    {
        ChatSession session(store, *m_model, *m_tokenizer, m_modelPath);
        {
            const std::lock_guard hold(lock);
            session.start(m_model->newState(), "", {});
        }
        for (const char* question : kQuestions) {
            const std::lock_guard hold(lock);
            replies.push_back(session.send(question, greedy(40)).generation.text);
        }
    }

    // Reads the first documents of the demo model's qa10 set and asks each its question,
    // holding the lock for each step.
    void documents(Store& store, FairMutex& lock, const QTemporaryDir& dir, std::vector<std::string>& answers)
    {
        std::ifstream in(test::dataDir() / "rwkv7-demo-18.7m-20261123.verify.json");
        const nlohmann::json items = nlohmann::json::parse(in).at("qa10").at("items");
        DocumentLibrary library(store, *m_model, *m_tokenizer, m_modelPath);
        for (int i = 0; i < kRounds; ++i) {
            const nlohmann::json& item = items.at(size_t(i));
            const std::filesystem::path file = (dir.path() + QStringLiteral("/doc%1.txt").arg(i)).toStdString();
            std::ofstream(file) << item.at("document").get<std::string>();
            int64_t id = 0;
            {
                const std::lock_guard hold(lock);
                id = library.ingest(file).document.id;
            }
            const std::lock_guard hold(lock);
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
            [&] { chat(chatStore, lock, a.chat); },
            [&] { documents(documentStore, lock, dir, a.documents); },
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
};

QTEST_GUILESS_MAIN(TestServeConcurrency)
#include "test_serve_concurrency.moc"
