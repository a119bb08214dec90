// The API server's prefix state cache and completion engine on the demo model: only true
// token prefixes are resumed, the byte budget holds, --db prefixes survive a reopen, and a
// resumed request answers exactly as a cold one, even when the client changed history.
#include "support/test_support.h"

#include "backends/registry.h"
#include "core/tokenizer/world_tokenizer.h"
#include "server/completion_engine.h"

#include <QTemporaryDir>
#include <QTest>

using namespace rwkv;
using namespace rwkv::server;

class TestServeCache : public QObject {
    Q_OBJECT

    std::unique_ptr<Device> m_device;
    std::unique_ptr<Model> m_model;
    std::unique_ptr<WorldTokenizer> m_tokenizer;

    State stateAfter(std::span<const int32_t> tokens)
    {
        State s = m_model->newState();
        m_model->forward(tokens, s);
        return s;
    }

    static bool sameState(const State& a, const State& b) { return std::ranges::equal(a.data(), b.data()); }

    CompletionRequest chatRequest(std::vector<ChatMessage> messages)
    {
        CompletionRequest r;
        r.messages = std::move(messages);
        r.options.maxTokens = 40;
        r.options.sampling.temperature = 0;
        return r;
    }

private slots:
    void initTestCase()
    {
        m_device = createDevice("cpu");
        m_model = Model::load(Checkpoint::open(test::demoModelPath()), *m_device, DType::F32);
        m_tokenizer = WorldTokenizer::load(test::worldVocabPath());
    }

    void onlyStrictTruePrefixesHit()
    {
        PrefixCache cache(*m_model, int64_t(1) << 30, nullptr);
        const std::vector<int32_t> a = m_tokenizer->encode("User: Hello!\n\nAssistant:");
        std::vector<int32_t> longer = a;
        longer.push_back(36786);
        cache.put(a, stateAfter(a));
        const auto hit = cache.longestPrefix(longer);
        QVERIFY(hit);
        QCOMPARE(hit->tokens, int64_t(a.size()));
        QVERIFY(sameState(hit->state, stateAfter(a)));
        QVERIFY(!cache.longestPrefix(a)); // at least one token must be left to feed
        std::vector<int32_t> other = longer;
        other[2] += 1; // same length and tail, one token differs
        QVERIFY(!cache.longestPrefix(other));

        const std::vector<int32_t> head(a.begin(), a.begin() + 3);
        cache.put(head, stateAfter(head));
        QCOMPARE(cache.longestPrefix(longer)->tokens, int64_t(a.size()));   // the longest wins
        QCOMPARE(cache.longestPrefix(a)->tokens, int64_t(head.size()));
    }

    void byteBudgetEvictsLeastRecentlyUsed()
    {
        const int64_t stateBytes = m_model->newState().sizeBytes();
        PrefixCache cache(*m_model, 2 * stateBytes, nullptr);
        const std::vector<int32_t> x = {100, 200, 300, 400};
        for (size_t n = 1; n <= 3; ++n) cache.put(std::span(x).first(n), stateAfter(std::span(x).first(n)));
        QCOMPARE(cache.memoryEntries(), size_t(2));
        QCOMPARE(cache.memoryBytes(), 2 * stateBytes);
        QVERIFY(!cache.longestPrefix(std::span(x).first(2))); // {100} went first
        QCOMPARE(cache.longestPrefix(x)->tokens, int64_t(3));
    }

    void storedPrefixesSurviveReopening()
    {
        QTemporaryDir dir;
        const auto path = std::filesystem::path(dir.path().toStdString()) / "prefixes.sqlite";
        const std::vector<int32_t> a = m_tokenizer->encode("User: What is 7 + 5?\n\nAssistant:");
        {
            Store store(path);
            store.snapshots().registerModel(m_model->fingerprint(), "demo.pth", m_model->config());
            PrefixCache cache(*m_model, int64_t(1) << 30, &store);
            cache.put(std::span(a).first(a.size() - 1), stateAfter(std::span(a).first(a.size() - 1)));
            QCOMPARE(store.prefixes().count(), int64_t(1));
        }
        Store store(path);
        PrefixCache fresh(*m_model, int64_t(1) << 30, &store);
        const auto hit = fresh.longestPrefix(a);
        QVERIFY(hit);
        QCOMPARE(hit->tokens, int64_t(a.size() - 1));
        QVERIFY(sameState(hit->state, stateAfter(std::span(a).first(a.size() - 1))));
        QCOMPARE(store.integrityCheck(), std::string("ok"));
    }

    void storeKeepsItsBudget()
    {
        QTemporaryDir dir;
        Store store(std::filesystem::path(dir.path().toStdString()) / "budget.sqlite");
        store.snapshots().registerModel(m_model->fingerprint(), "demo.pth", m_model->config());
        const int64_t stateBytes = m_model->newState().sizeBytes();
        // Stored sizes count the snapshot header too: room for two states, not three.
        PrefixCache cache(*m_model, 2 * stateBytes + stateBytes / 2, &store);
        const std::vector<int32_t> x = {100, 200, 300, 400};
        for (size_t n = 1; n <= 4; ++n) cache.put(std::span(x).first(n), stateAfter(std::span(x).first(n)));
        QCOMPARE(store.prefixes().count(), int64_t(2));
        QCOMPARE(store.snapshots().allIds().size(), size_t(2)); // dropped prefixes take their snapshots along
        QCOMPARE(store.integrityCheck(), std::string("ok"));
    }

    // A client that edits the assistant's reply: the stored state after the real reply is not a
    // prefix of the new prompt, so the engine resumes from the boundary before it and still
    // answers as a cold engine does.
    void resumedEqualsColdWhenHistoryChanges()
    {
        FairMutex lock;
        PrefixCache warmCache(*m_model, int64_t(1) << 30, nullptr);
        CompletionEngine warm(*m_model, *m_tokenizer, lock, warmCache);
        const Completion first = warm.run(chatRequest({{ChatRole::User, "Hello!"}}), {}, {});
        // The reply as shown, without the space after "Assistant:" (its token stays in the state).
        QCOMPARE(first.choices.at(0).text, std::string("Hello! How can I help you today?"));
        QCOMPARE(first.usage.cachedTokens, int64_t(0));

        const auto followUp = [&](const std::string& reply) {
            return chatRequest({{ChatRole::User, "Hello!"}, {ChatRole::Assistant, reply}, {ChatRole::User, "What is 7 + 5?"}});
        };
        // The reply sent back as returned resumes after the whole first exchange.
        const Completion resumed = warm.run(followUp(first.choices.at(0).text), {}, {});
        QCOMPARE(resumed.usage.cachedTokens, first.usage.promptTokens + first.usage.completionTokens);
        const Completion edited = warm.run(followUp(" Hi there!"), {}, {});
        QVERIFY(edited.usage.cachedTokens > 0);
        QVERIFY(edited.usage.cachedTokens <= first.usage.promptTokens); // not past the edited reply

        for (const auto& [reply, answer] : {std::pair{first.choices.at(0).text, resumed}, std::pair{std::string(" Hi there!"), edited}}) {
            PrefixCache coldCache(*m_model, int64_t(1) << 30, nullptr);
            CompletionEngine cold(*m_model, *m_tokenizer, lock, coldCache);
            const Completion c = cold.run(followUp(reply), {}, {});
            QCOMPARE(c.usage.cachedTokens, int64_t(0));
            QCOMPARE(answer.choices.at(0).text, c.choices.at(0).text);
            QCOMPARE(answer.usage.promptTokens, c.usage.promptTokens);
        }
    }
};

QTEST_GUILESS_MAIN(TestServeCache)
#include "test_serve_cache.moc"
