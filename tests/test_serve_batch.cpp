// rwkv-cli serve's continuous batching, over real HTTP on loopback with the demo model:
// requests decoded together answer exactly as they do one at a time (greedy, and sampled with
// seeds), n choices come back with their indexes (choice i as seed + i alone), a client that
// hangs up frees its slot, 64 clients connecting at the same instant all get whole answers, and
// --max-batch and n are checked.
#include "support/http_client.h"
#include "support/serve_process.h"
#include "support/test_support.h"

#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTest>

#include <latch>
#include <thread>

using nlohmann::json;
using rwkv::test::HttpConnection;
using rwkv::test::HttpReply;
using rwkv::test::postJson;
using rwkv::test::ServeProcess;
using rwkv::test::sseEvents;

namespace {

const std::string kHello = "Hello! How can I help you today?";
const char* kChat = "/v1/chat/completions";
const char* kCompletions = "/v1/completions";

struct Call {
    const char* path;
    json body;
};

Call chat(const std::string& user, json extra = json::object())
{
    extra["messages"] = json::array({{{"role", "user"}, {"content", user}}});
    return {kChat, extra};
}

Call complete(const std::string& prompt, json extra = json::object())
{
    extra["prompt"] = prompt;
    return {kCompletions, extra};
}

// What must not change between runs: each choice's index, text and finish reason, and the
// token counts.
json answer(const HttpReply& r)
{
    const json body = json::parse(r.body, nullptr, false);
    if (r.status != 200 || !body.is_object() || !body.contains("choices")) return {{"status", r.status}, {"body", r.body}, {"error", r.error}};
    json choices = json::array();
    for (const json& c : body.at("choices"))
        choices.push_back({c.at("index"), c.contains("message") ? c.at("message").at("content") : c.at("text"), c.at("finish_reason")});
    return {{"choices", choices}, {"usage", body.at("usage")}};
}

std::vector<json> oneAtATime(int port, const std::vector<Call>& calls)
{
    std::vector<json> out;
    for (const Call& c : calls) out.push_back(answer(postJson(port, c.path, c.body)));
    return out;
}

// Every call on its own connection, all opened at the same instant.
std::vector<HttpReply> allAtOnce(int port, const std::vector<Call>& calls)
{
    std::vector<HttpReply> replies(calls.size());
    std::latch ready(ptrdiff_t(calls.size()));
    std::vector<std::thread> threads;
    for (size_t i = 0; i < calls.size(); ++i)
        threads.emplace_back([&, i] {
            ready.arrive_and_wait();
            replies[i] = postJson(port, calls[i].path, calls[i].body);
        });
    for (std::thread& t : threads) t.join();
    return replies;
}

std::vector<json> answers(const std::vector<HttpReply>& replies)
{
    std::vector<json> out;
    for (const HttpReply& r : replies) out.push_back(answer(r));
    return out;
}

// A prompt of several chunks (the scheduler feeds 32 tokens per step beside decoding replies).
std::string longPrompt()
{
    std::string text;
    for (int i = 0; i < 12; ++i) text += "The river town keeps " + std::to_string(7 * i + 3) + " boats and a bridge. ";
    return text + "In the end,";
}

std::vector<Call> mixedGreedyCalls()
{
    const json greedy = {{"temperature", 0}};
    return {chat("Hello!", greedy),
            chat("What is 7 + 5?", {{"temperature", 0}, {"max_tokens", 5}}),
            chat("Tell me about the RWKV-7 Goose architecture.", {{"temperature", 0}, {"max_tokens", 40}, {"stop", "."}}),
            chat("Write a short poem about rain.", {{"temperature", 0}, {"max_tokens", 30}}),
            chat("Thank you!", {{"temperature", 0}, {"max_tokens", 0}}),
            complete("The RWKV-7 Goose architecture is a recurrent network", {{"temperature", 0}, {"max_tokens", 40}}),
            complete(longPrompt(), {{"temperature", 0}, {"max_tokens", 24}}),
            complete("Once upon a time", {{"temperature", 0}, {"max_tokens", 35}, {"stop", json::array({"dragon", "\n\n"})}})};
}

} // namespace

#define COMPARE_JSON(actual, expected)                                                                                 \
    QVERIFY2(json(actual) == json(expected), (json(actual).dump() + "\n != \n" + json(expected).dump()).c_str())

class TestServeBatch : public QObject {
    Q_OBJECT

private slots:
    // Without a prefix cache every request is fed from its first token, alone or batched.
    void greedyBatchedEqualsAlone()
    {
        ServeProcess server({"--max-batch", "8", "--cache-mb", "0"});
        QVERIFY2(server.ok(), server.error().constData());
        const std::vector<Call> calls = mixedGreedyCalls();
        const std::vector<json> alone = oneAtATime(server.port(), calls);
        QCOMPARE(alone[0].at("choices")[0][1].get<std::string>(), kHello);
        QCOMPARE(alone[4].at("choices")[0][2].get<std::string>(), std::string("length")); // max_tokens 0
        COMPARE_JSON(answers(allAtOnce(server.port(), calls)), alone);
    }

    void seededSamplingBatchedEqualsAlone()
    {
        ServeProcess server({"--max-batch", "8", "--cache-mb", "0"});
        QVERIFY2(server.ok(), server.error().constData());
        const json sampled = {{"temperature", 1.0}, {"top_p", 0.9}, {"max_tokens", 30}};
        std::vector<Call> calls;
        for (int seed = 1; seed <= 4; ++seed) {
            json extra = sampled;
            extra["seed"] = seed;
            calls.push_back(seed % 2 ? chat("Tell me a story.", extra) : complete("Once upon a time", extra));
        }
        json three = sampled;
        three["seed"] = 11;
        three["n"] = 3;
        calls.push_back(complete("Once upon a time", three));
        const std::vector<json> alone = oneAtATime(server.port(), calls);
        COMPARE_JSON(answers(allAtOnce(server.port(), calls)), alone);

        // Choice i of n is the reply seed + i gives alone, with its own index.
        const json& choices = alone[4].at("choices");
        QCOMPARE(choices.size(), size_t(3));
        int64_t tokens = 0;
        for (int i = 0; i < 3; ++i) {
            json extra = sampled;
            extra["seed"] = 11 + i;
            const json single = answer(postJson(server.port(), kCompletions, complete("Once upon a time", extra).body));
            QCOMPARE(choices[i][0].get<int>(), i);
            COMPARE_JSON(choices[i][1], single.at("choices")[0][1]);
            tokens += single.at("usage").at("completion_tokens").get<int64_t>();
        }
        QVERIFY2(choices[0][1] != choices[1][1], "different seeds, different stories");
        QCOMPARE(alone[4].at("usage").at("completion_tokens").get<int64_t>(), tokens);
    }

    // A streamed n = 3: a role chunk, text and one finish chunk per index; the same as whole.
    void nChoicesStreamed()
    {
        ServeProcess server({"--max-batch", "4"});
        QVERIFY2(server.ok(), server.error().constData());
        json body = {{"temperature", 1.0}, {"seed", 5}, {"n", 3}, {"max_tokens", 20}};
        const json whole = answer(postJson(server.port(), kChat, chat("Hello!", body).body));
        body["stream"] = true;
        body["stream_options"] = {{"include_usage", true}};
        const HttpReply streamed = postJson(server.port(), kChat, chat("Hello!", body).body);
        QCOMPARE(streamed.status, 200);
        QVERIFY(streamed.body.ends_with("data: [DONE]\n\n"));
        std::vector<std::string> text(3), finish(3);
        std::vector<int> roles(3);
        json usage;
        for (const json& e : sseEvents(streamed.body)) {
            QVERIFY2(e.is_object(), streamed.body.c_str());
            if (e.contains("usage") && !e.at("usage").is_null()) usage = e.at("usage");
            for (const json& c : e.at("choices")) {
                const size_t i = c.at("index").get<size_t>();
                QVERIFY(i < 3);
                QVERIFY2(finish[i].empty(), "nothing after a choice's finish chunk");
                if (c.at("delta").contains("role")) ++roles[i];
                text[i] += c.at("delta").value("content", std::string());
                if (!c.at("finish_reason").is_null()) finish[i] = c.at("finish_reason").get<std::string>();
            }
        }
        for (size_t i = 0; i < 3; ++i) {
            QCOMPARE(roles[i], 1);
            COMPARE_JSON(json::array({i, text[i], finish[i]}), whole.at("choices")[i]);
        }
        COMPARE_JSON(usage.at("completion_tokens"), whole.at("usage").at("completion_tokens"));
    }

    // Follow-ups sent together each resume from the state the first turn left.
    void prefixCacheWorksPerRequest()
    {
        ServeProcess server({"--max-batch", "4"});
        ServeProcess cold({"--max-batch", "4", "--cache-mb", "0"});
        QVERIFY2(server.ok() && cold.ok(), server.error().constData());
        const json first = answer(postJson(server.port(), kChat, chat("Hello!", {{"temperature", 0}}).body));
        QCOMPARE(first.at("choices")[0][1].get<std::string>(), kHello);
        const int64_t firstTokens = first.at("usage").at("prompt_tokens").get<int64_t>() + first.at("usage").at("completion_tokens").get<int64_t>();
        std::vector<Call> followUps;
        for (const char* question : {"What is 7 + 5?", "Thank you!", "Tell me a joke.", "Who are you?"})
            followUps.push_back({kChat, {{"temperature", 0}, {"max_tokens", 30},
                                         {"messages", json::array({{{"role", "user"}, {"content", "Hello!"}},
                                                                   {{"role", "assistant"}, {"content", kHello}},
                                                                   {{"role", "user"}, {"content", question}}})}}});
        const std::vector<json> resumed = answers(allAtOnce(server.port(), followUps));
        const std::vector<json> fromScratch = oneAtATime(cold.port(), followUps);
        for (size_t i = 0; i < followUps.size(); ++i) {
            QCOMPARE(resumed[i].at("usage").at("prompt_tokens_details").at("cached_tokens").get<int64_t>(), firstTokens);
            QCOMPARE(fromScratch[i].at("usage").at("prompt_tokens_details").at("cached_tokens").get<int64_t>(), int64_t(0));
            COMPARE_JSON(resumed[i].at("choices"), fromScratch[i].at("choices"));
        }
    }

    // With one slot, the next request can only run once the slot of a client who left is free;
    // a client that leaves while its request still waits for a slot never takes one.
    void clientThatLeavesFreesItsSlot()
    {
        ServeProcess server({"--max-batch", "1"});
        QVERIFY2(server.ok(), server.error().constData());
        // The demo model counts on greedily for thousands of tokens without ending the text.
        const json endless = {{"prompt", "1, 2, 3, 4,"}, {"max_tokens", 4000}, {"temperature", 0}};
        const json hello = chat("Hello!", {{"temperature", 0}}).body;
        const auto tokensWhenLeft = [&] {
            std::vector<int> n;
            const QRegularExpression left("client left after (\\d+) tokens");
            for (auto it = left.globalMatch(QString::fromUtf8(server.log())); it.hasNext();) n.push_back(it.next().captured(1).toInt());
            return n;
        };
        json body = endless;
        body["stream"] = true;
        HttpConnection streaming(server.port());
        QVERIFY(streaming.post(kCompletions, body.dump()));
        QVERIFY(streaming.readUntil("data: ", 4)); // the first chunk and 3 texts
        {
            HttpConnection waiting(server.port());
            QVERIFY(waiting.post(kChat, hello.dump()));
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        } // hangs up while the stream holds the only slot
        QTRY_VERIFY2_WITH_TIMEOUT(tokensWhenLeft() == std::vector<int>{0}, server.log().constData(), 10000);
        streaming.close();
        HttpReply after = postJson(server.port(), kChat, hello);
        QCOMPARE(answer(after).at("choices")[0][1].get<std::string>(), kHello);
        QTRY_VERIFY2_WITH_TIMEOUT(tokensWhenLeft().size() == 2, server.log().constData(), 10000);
        QVERIFY2(tokensWhenLeft()[1] >= 3 && tokensWhenLeft()[1] < 1000, server.log().constData());

        // A whole reply nobody waits for any more stops too.
        {
            HttpConnection whole(server.port());
            QVERIFY(whole.post(kCompletions, endless.dump()));
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
        }
        after = postJson(server.port(), kChat, hello);
        QCOMPARE(answer(after).at("choices")[0][1].get<std::string>(), kHello);
        QTRY_VERIFY2_WITH_TIMEOUT(tokensWhenLeft().size() == 3, server.log().constData(), 10000);
        QVERIFY2(tokensWhenLeft()[2] < 4000, server.log().constData());
    }

    // 64 connections opened in the same instant (more than the batch, the HTTP threads and
    // httplib's own listen backlog): every one is answered completely, streamed or whole.
    void manyClientsAtOnce()
    {
        ServeProcess server({"--max-batch", "32", "--quiet"});
        QVERIFY2(server.ok(), server.error().constData());
        // The cause of lost connections, checked directly where iproute2 is installed: the
        // listening socket's backlog (ss's Send-Q) holds them all, not httplib's 5.
        if (!QStandardPaths::findExecutable("ss").isEmpty()) {
            QProcess ss;
            ss.start("ss", {"-ltnH", "sport = :" + QString::number(server.port())});
            QVERIFY(ss.waitForFinished(10000));
            const QStringList fields = QString::fromUtf8(ss.readAllStandardOutput()).simplified().split(' ');
            QVERIFY2(fields.size() >= 3 && fields[2].toInt() >= 64, qPrintable(fields.join(' ')));
        }
        std::vector<Call> calls;
        for (int i = 0; i < 64; ++i)
            calls.push_back(chat("Hello! This is client " + std::to_string(i) + ".",
                                 {{"temperature", 0}, {"max_tokens", 8}, {"stream", i % 2 == 1}}));
        const std::vector<HttpReply> replies = allAtOnce(server.port(), calls);
        for (size_t i = 0; i < replies.size(); ++i) {
            const HttpReply& r = replies[i];
            const std::string what = "client " + std::to_string(i) + ": " + r.error + " " + r.body;
            QVERIFY2(r.status == 200, what.c_str());
            if (i % 2 == 0) {
                QVERIFY2(!answer(r).at("choices")[0][2].is_null(), what.c_str());
                continue;
            }
            QVERIFY2(r.body.ends_with("data: [DONE]\n\n"), what.c_str());
            const std::vector<json> events = sseEvents(r.body);
            QVERIFY2(events.size() >= 3 && !events[events.size() - 1].at("choices")[0].at("finish_reason").is_null(), what.c_str());
        }
        // A batched answer is the one it gives alone (then resumed from the state it left).
        const std::vector<json> alone = oneAtATime(server.port(), {calls[0]});
        COMPARE_JSON(answer(replies[0]).at("choices"), alone[0].at("choices"));
    }

    void batchSizeAndChoicesAreChecked()
    {
        for (const char* bad : {"0", "129", "many"}) {
            QProcess cli;
            cli.start(rwkv::test::cliPath(), {"serve", "--port", "0", "--max-batch", bad});
            QVERIFY(cli.waitForFinished(60000));
            QCOMPARE(cli.exitCode(), 2);
            const QByteArray err = cli.readAllStandardError();
            QVERIFY2(err.contains("--max-batch"), err.constData());
        }
        ServeProcess server({"--max-batch", "2"});
        QVERIFY2(server.ok(), server.error().constData());
        const HttpReply tooMany = postJson(server.port(), kChat, chat("Hello!", {{"n", 3}}).body);
        QCOMPARE(tooMany.status, 400);
        const json error = json::parse(tooMany.body).at("error");
        QCOMPARE(error.at("param").get<std::string>(), std::string("n"));
        QCOMPARE(error.at("message").get<std::string>(), std::string("'n' must be between 1 and 2"));
        const HttpReply two = postJson(server.port(), kChat, chat("Hello!", {{"n", 2}, {"temperature", 0}}).body);
        COMPARE_JSON(answer(two).at("choices"), json::array({{0, kHello, "stop"}, {1, kHello, "stop"}}));
    }
};

QTEST_GUILESS_MAIN(TestServeBatch)
#include "test_serve_batch.moc"
