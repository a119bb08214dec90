// rwkv-cli serve as clients use it: the real server on a free loopback port, driven by the
// official openai npm package (tests/serve/scenarios.mjs) and raw fetch for bad input.
// The package is installed once into the build folder (npm reaches its registry).
#include "support/serve_process.h"
#include "support/test_support.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <fstream>
#include <memory>
#include <set>
#include <tuple>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using nlohmann::json;

namespace {

constexpr const char* kOpenAiVersion = "6.30.1"; // 7.x needs node 22; 6.x runs on node 20
const std::string kModel = "rwkv7-demo-18.7m-20261123";
const std::string kHello = "Hello! How can I help you today?"; // the space after "Assistant:" is not content

std::filesystem::path npmDir() { return rwkv::test::binDir().parent_path() / "npm"; }

// The version of the openai package in build/npm, empty when there is none.
std::string installedOpenAiVersion()
{
    std::ifstream in(npmDir() / "node_modules/openai/package.json");
    const json package = json::parse(in, nullptr, false);
    return package.is_object() ? package.value("version", std::string()) : std::string();
}

using rwkv::test::cliPath;
using Server = rwkv::test::ServeProcess;

struct NodeRun {
    json result;
    QByteArray error;  // empty when the scenario printed its JSON
};

NodeRun scenario(const Server& server, const QString& name, const QMap<QString, QString>& env = {})
{
    QProcess node;
    QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
    e.insert("RWKV_OPENAI_MODULE", QString::fromStdString((npmDir() / "node_modules/openai/index.mjs").string()));
    e.insert("RWKV_BASE_URL", server.baseUrl());
    e.insert("RWKV_MODEL", QString::fromStdString(kModel));
    for (auto it = env.begin(); it != env.end(); ++it) e.insert(it.key(), it.value());
    node.setProcessEnvironment(e);
    const auto script = rwkv::test::dataDir().parent_path() / "serve" / "scenarios.mjs";
    node.start("node", {QString::fromStdString(script.string()), name});
    if (!node.waitForFinished(300000)) return {{}, "node did not finish"};
    const QByteArray out = node.readAllStandardOutput();
    if (node.exitCode() != 0) return {{}, "scenario " + name.toUtf8() + " failed: " + node.readAllStandardError()};
    return {json::parse(out.toStdString(), nullptr, false), {}};
}

std::string text(const json& j, const char* key) { return j.at(key).get<std::string>(); }

} // namespace

// QCOMPARE cannot print nlohmann::json values.
#define COMPARE_JSON(actual, expected)                                                                                 \
    QVERIFY2(json(actual) == json(expected), (json(actual).dump() + " != " + json(expected).dump()).c_str())

class TestServe : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        if (QStandardPaths::findExecutable("node").isEmpty() || QStandardPaths::findExecutable("npm").isEmpty())
            QFAIL("node and npm are needed to drive the server with the openai package (Debian: apt-get install nodejs npm)");
        if (installedOpenAiVersion() != kOpenAiVersion) {
            const QString package = QStringLiteral("openai@") + kOpenAiVersion;
            QProcess npm;
            npm.start("npm", {"install", "--prefix", QString::fromStdString(npmDir().string()), "--no-audit", "--no-fund",
                              "--save-exact", package});
            QVERIFY2(npm.waitForFinished(300000) && npm.exitCode() == 0,
                     ("npm install " + package.toUtf8() + " failed: " + npm.readAllStandardError()).constData());
            QCOMPARE(installedOpenAiVersion(), std::string(kOpenAiVersion));
        }
        m_server = std::make_unique<Server>(QStringList{});
        QVERIFY2(m_server->ok(), m_server->error().constData());
    }

    void cleanupTestCase()
    {
        if (m_server) QCOMPARE(m_server->stop(), 0);
    }

    void models()
    {
        const NodeRun r = scenario(*m_server, "models");
        QVERIFY2(r.error.isEmpty(), r.error.constData());
        COMPARE_JSON(r.result.at("ids"), json::array({kModel}));
    }

    void chatWholeAndStreamed()
    {
        const NodeRun r = scenario(*m_server, "chat");
        QVERIFY2(r.error.isEmpty(), r.error.constData());
        const json& whole = r.result.at("whole");
        QCOMPARE(text(whole, "text"), kHello);
        QCOMPARE(text(whole, "finish"), std::string("stop"));
        // "User: Hello!\n\nAssistant:" is 8 World tokens; the reply is 9 tokens and the "\n\n" that ends it.
        QCOMPARE(whole.at("usage").at("prompt_tokens").get<int>(), 8);
        QCOMPARE(whole.at("usage").at("completion_tokens").get<int>(), 10);
        QCOMPARE(whole.at("usage").at("total_tokens").get<int>(), 18);
        const json& streamed = r.result.at("streamed");
        QCOMPARE(text(streamed, "text"), kHello);
        QVERIFY(streamed.at("chunks").get<int>() >= 5); // token by token, not one block
        QCOMPARE(text(streamed, "finish"), std::string("stop"));
        QCOMPARE(streamed.at("usage").at("completion_tokens").get<int>(), 10);
        QCOMPARE(text(r.result.at("limited"), "text"), std::string("Hello! How")); // max_completion_tokens 3
        QCOMPARE(text(r.result.at("limited"), "finish"), std::string("length"));
        QCOMPARE(text(r.result.at("stopString"), "text"), std::string("Hello")); // stop: "!"
        QCOMPARE(text(r.result.at("stopString"), "finish"), std::string("stop"));
    }

    void legacyCompletions()
    {
        const NodeRun r = scenario(*m_server, "completions");
        QVERIFY2(r.error.isEmpty(), r.error.constData());
        // The same prompt as test_cli's generate: greedy " that trains in parallel like ...".
        QCOMPARE(text(r.result.at("stopped"), "text"), std::string(" that trains in "));
        QCOMPARE(text(r.result.at("stopped"), "finish"), std::string("stop"));
        QCOMPARE(text(r.result.at("limited"), "text"), std::string(" that trains in"));
        QCOMPARE(text(r.result.at("limited"), "finish"), std::string("length"));
        QCOMPARE(r.result.at("limited").at("usage").at("completion_tokens").get<int>(), 3);
    }

    // Follow-up turns resume from stored states and answer exactly as a cold server does.
    void multiTurnReusesPrefixes()
    {
        const NodeRun warm = scenario(*m_server, "multiturn");
        QVERIFY2(warm.error.isEmpty(), warm.error.constData());
        const json& turns = warm.result.at("turns");
        QCOMPARE(text(turns[0], "text"), kHello);
        QCOMPARE(text(turns[1], "text"), std::string("7 + 5 = 12."));
        // The content sent back re-tokenizes into the tokens generated: the whole first exchange is reused.
        QCOMPARE(turns[1].at("usage").at("prompt_tokens_details").at("cached_tokens").get<int>(),
                 turns[0].at("usage").at("prompt_tokens").get<int>() + turns[0].at("usage").at("completion_tokens").get<int>());
        for (int i = 1; i < 3; ++i) {
            const json& usage = turns[i].at("usage");
            QVERIFY2(usage.at("prompt_tokens_details").at("cached_tokens").get<int>() > 0, usage.dump().c_str());
            QVERIFY(usage.at("prompt_tokens_details").at("cached_tokens").get<int>() < usage.at("prompt_tokens").get<int>());
        }
        const json conversation = json::array({{{"role", "user"}, {"content", "Hello!"}},
                                                {{"role", "assistant"}, {"content", text(turns[0], "text")}},
                                                {{"role", "user"}, {"content", "What is 7 + 5?"}},
                                                {{"role", "assistant"}, {"content", text(turns[1], "text")}},
                                                {{"role", "user"}, {"content", "Thank you!"}}});
        Server cold({});
        QVERIFY2(cold.ok(), cold.error().constData());
        const NodeRun coldRun = scenario(cold, "replay", {{"RWKV_MESSAGES", QString::fromStdString(conversation.dump())}});
        QVERIFY2(coldRun.error.isEmpty(), coldRun.error.constData());
        QCOMPARE(coldRun.result.at("usage").at("prompt_tokens_details").at("cached_tokens").get<int>(), 0);
        QCOMPARE(text(coldRun.result, "text"), text(turns[2], "text"));
        COMPARE_JSON(coldRun.result.at("usage").at("prompt_tokens"), turns[2].at("usage").at("prompt_tokens"));
    }

    // With --db the prefixes survive a restart.
    void prefixesPersistWithDatabase()
    {
        QTemporaryDir dir;
        const QString db = dir.filePath("serve.sqlite");
        json messages = json::array({{{"role", "user"}, {"content", "Hello!"}}});
        std::string firstReply;
        {
            Server first({"--db", db});
            QVERIFY2(first.ok(), first.error().constData());
            const NodeRun r = scenario(first, "replay", {{"RWKV_MESSAGES", QString::fromStdString(messages.dump())}});
            QVERIFY2(r.error.isEmpty(), r.error.constData());
            firstReply = text(r.result, "text");
            QCOMPARE(first.stop(), 0);
        }
        messages.push_back({{"role", "assistant"}, {"content", firstReply}});
        messages.push_back({{"role", "user"}, {"content", "What is 7 + 5?"}});
        const QMap<QString, QString> env{{"RWKV_MESSAGES", QString::fromStdString(messages.dump())}};
        Server restarted({"--db", db});
        QVERIFY2(restarted.ok(), restarted.error().constData());
        const NodeRun resumed = scenario(restarted, "replay", env);
        QVERIFY2(resumed.error.isEmpty(), resumed.error.constData());
        QVERIFY2(resumed.result.at("usage").at("prompt_tokens_details").at("cached_tokens").get<int>() > 0,
                 resumed.result.dump().c_str());
        QCOMPARE(text(resumed.result, "text"), std::string("7 + 5 = 12."));
        const NodeRun cold = scenario(*m_server, "replay", env);
        QVERIFY2(cold.error.isEmpty(), cold.error.constData());
        QCOMPARE(text(resumed.result, "text"), text(cold.result, "text"));
    }

    void concurrentRequestsEqualSequential()
    {
        const NodeRun r = scenario(*m_server, "concurrent");
        QVERIFY2(r.error.isEmpty(), r.error.constData());
        COMPARE_JSON(r.result.at("parallel"), r.result.at("sequential"));
        QCOMPARE(r.result.at("sequential")[0].get<std::string>(), kHello);
        const auto answers = r.result.at("sequential").get<std::vector<std::string>>();
        QCOMPARE(std::set<std::string>(answers.begin(), answers.end()).size(), answers.size());
    }

    void abortedStreamThenCorrectRequest()
    {
        const NodeRun r = scenario(*m_server, "abort");
        QVERIFY2(r.error.isEmpty(), r.error.constData());
        QCOMPARE(r.result.at("chunks").get<int>(), 3);
        QCOMPARE(text(r.result.at("after"), "text"), kHello);
        // The server noticed the client leaving and stopped long before max_tokens (4000).
        const QRegularExpression left("client left after (\\d+) tokens");
        QTRY_VERIFY_WITH_TIMEOUT(left.match(QString::fromUtf8(m_server->log())).hasMatch(), 10000);
        const int generated = left.match(QString::fromUtf8(m_server->log())).captured(1).toInt();
        QVERIFY2(generated >= 3 && generated < 100, m_server->log().constData());
    }

    void badInputGetsOpenAiErrors()
    {
        const NodeRun r = scenario(*m_server, "bad");
        QVERIFY2(r.error.isEmpty(), r.error.constData());
        const json& cases = r.result.at("cases");
        const std::vector<std::tuple<const char*, int, json>> expected = {
            {"malformed", 400, nullptr},        {"notObject", 400, nullptr},
            {"noMessages", 400, "messages"},    {"noPrompt", 400, "prompt"},
            {"wrongType", 400, "temperature"},  {"badTopP", 400, "top_p"},
            {"badContent", 400, "messages[0].content"}, {"badRole", 400, "messages[0].role"},
            {"unknownModel", 404, "model"},     {"negativeMax", 400, "max_tokens"},
            {"hugeMax", 400, "max_tokens"},     {"tooManyChoices", 400, "n"},
            {"tooLarge", 413, nullptr},         {"unknownRoute", 404, nullptr}};
        QCOMPARE(cases.size(), expected.size());
        for (const auto& [name, status, param] : expected) {
            const json& c = cases.at(name);
            QVERIFY2(c.at("status").get<int>() == status, (std::string(name) + ": " + c.dump()).c_str());
            const json& error = c.at("body").at("error");
            QVERIFY2(error.at("message").is_string() && !error.at("message").get<std::string>().empty(), name);
            QVERIFY2(error.at("type").is_string(), name);
            QVERIFY2(error.contains("code"), name);
            QVERIFY2(error.at("param") == param, (std::string(name) + ": " + error.dump()).c_str());
        }
        QCOMPARE(cases.at("unknownModel").at("body").at("error").at("code").get<std::string>(), std::string("model_not_found"));
        // The ranges and their wording are the CLI's (core/generation_checks).
        QCOMPARE(cases.at("badTopP").at("body").at("error").at("message").get<std::string>(), std::string("'top_p' must be between 0 and 1"));
        // With one model served, a request may leave 'model' out.
        QCOMPARE(r.result.at("withoutModel").at("status").get<int>(), 200);
        QCOMPARE(r.result.at("withoutModel").at("body").at("choices")[0].at("message").at("content").get<std::string>(), kHello);
        QCOMPARE(text(r.result.at("after"), "text"), kHello);
    }

    void portInUseIsRefused()
    {
        const QString port = m_server->baseUrl().section(':', 2).section('/', 0, 0);
        QProcess second;
        second.start(cliPath(), {"serve", "--port", port});
        QVERIFY(second.waitForFinished(60000));
        QCOMPARE(second.exitCode(), 1);
        QVERIFY2(second.readAllStandardError().contains("cannot listen on 127.0.0.1:" + port.toUtf8()), "names the address");
    }

    // SIGTERM while the model is still loading: the server must not start listening afterwards.
    void stopDuringStartUp()
    {
        QProcess early;
        early.start(cliPath(), {"serve", "--port", "0"});
        QVERIFY(early.waitForStarted());
        QTest::qWait(100);
        early.terminate();
        QVERIFY2(early.waitForFinished(30000), "the server kept running after SIGTERM");
    }

    // --cors ORIGIN: preflights are answered (without the API key) and every response names the origin.
    void corsForBrowsers()
    {
        Server cors({"--cors", "http://app.example", "--api-key", "secret"});
        QVERIFY2(cors.ok(), cors.error().constData());
        const NodeRun r = scenario(cors, "cors", {{"RWKV_API_KEY", "secret"}});
        QVERIFY2(r.error.isEmpty(), r.error.constData());
        QCOMPARE(r.result.at("preflight").at("status").get<int>(), 204);
        QCOMPARE(r.result.at("preflight").at("allowOrigin").get<std::string>(), std::string("http://app.example"));
        QVERIFY(r.result.at("preflight").at("allowHeaders").get<std::string>().find("Authorization") != std::string::npos);
        QCOMPARE(r.result.at("post").at("status").get<int>(), 200);
        QCOMPARE(r.result.at("post").at("allowOrigin").get<std::string>(), std::string("http://app.example"));
        QCOMPARE(r.result.at("anonymous").at("status").get<int>(), 401); // the key still guards the API
        // Without --cors there is no such header.
        const NodeRun plain = scenario(*m_server, "cors");
        QVERIFY2(plain.error.isEmpty(), plain.error.constData());
        QVERIFY(plain.result.at("post").at("allowOrigin").is_null());
    }

    // SIGTERM ends the server within a second, also while a client holds an idle connection.
    void sigtermStopsWithinASecond()
    {
        Server server({});
        QVERIFY2(server.ok(), server.error().constData());
        const int port = server.baseUrl().section(':', 2).section('/', 0, 0).toInt();
        const int sock = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(uint16_t(port));
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        QCOMPARE(::connect(sock, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
        const std::string request = "GET /v1/models HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n";
        QCOMPARE(::send(sock, request.data(), request.size(), 0), ssize_t(request.size()));
        char reply[64] = {};
        QVERIFY(::recv(sock, reply, sizeof reply - 1, 0) > 0);
        QVERIFY2(std::string_view(reply).starts_with("HTTP/1.1 200"), reply);
        QTest::qWait(1500); // the connection idles, as a client's pool keeps it
        QElapsedTimer timer;
        timer.start();
        QCOMPARE(server.stop(), 0);
        QVERIFY2(timer.elapsed() < 1000, QByteArray::number(timer.elapsed()) + " ms");
        ::close(sock);
    }

    void otherHostsNeedApiKey()
    {
        QProcess refused;
        refused.start(cliPath(), {"serve", "--host", "0.0.0.0", "--port", "0"});
        QVERIFY(refused.waitForFinished(60000));
        QCOMPARE(refused.exitCode(), 2);
        QVERIFY2(refused.readAllStandardError().contains("--api-key"), "the refusal names --api-key");

        Server keyed({"--host", "0.0.0.0", "--api-key", "secret"});
        QVERIFY2(keyed.ok(), keyed.error().constData());
        const NodeRun r = scenario(keyed, "apiKey", {{"RWKV_API_KEY", "secret"}});
        QVERIFY2(r.error.isEmpty(), r.error.constData());
        QCOMPARE(r.result.at("anonymous").at("status").get<int>(), 401);
        QCOMPARE(r.result.at("wrong").at("status").get<int>(), 401);
        QCOMPARE(r.result.at("wrong").at("body").at("error").at("code").get<std::string>(), std::string("invalid_api_key"));
        COMPARE_JSON(r.result.at("ids"), json::array({kModel}));
        QCOMPARE(text(r.result.at("reply"), "text"), kHello);
    }

private:
    std::unique_ptr<Server> m_server;
};

QTEST_GUILESS_MAIN(TestServe)
#include "test_serve.moc"
