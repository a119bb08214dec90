// The app's "Local API server" switch: off by default; on, an OpenAI client (node's fetch)
// chats with the app's loaded model while the app runs its own turn in the same batch; off
// again, nothing listens and the app's turns decode on their own. The port survives a restart of the app.
#include "app/app_controller.h"
#include "support/app_harness.h"
#include "support/test_support.h"

#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using rwkv::test::kModelTimeoutMs;

namespace {

constexpr int kReplyTimeoutMs = 60'000;
const QString kHello = QStringLiteral("Hello! How can I help you today?"); // no space after "Assistant:"

// A port nothing listens on right now (bound to 0, read back, closed).
int freePort()
{
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0
        || getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0)
        qFatal("cannot find a free port");
    close(fd);
    return ntohs(address.sin_port);
}

// Starts a greedy chat request for "Hello!" with node's fetch; prints the reply or fails.
void startClient(QProcess& node, const QString& url)
{
    const QString script = QStringLiteral(
        "const r = await fetch(process.argv[1] + '/chat/completions', {method: 'POST', headers: {'Content-Type': "
        "'application/json'}, body: JSON.stringify({model: process.argv[2], temperature: 0, messages: [{role: 'user', "
        "content: 'Hello!'}]})}); if (!r.ok) process.exit(3); process.stdout.write((await r.json()).choices[0].message.content);");
    node.start(QStringLiteral("node"), {QStringLiteral("--input-type=module"), QStringLiteral("-e"), script, url,
                                        QStringLiteral("rwkv7-demo-18.7m-20261123")});
}

} // namespace

class TestAppApiServer : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;

    std::unique_ptr<AppController> launch(QSettings& settings)
    {
        AppPaths paths;
        paths.database = m_dir.filePath(QStringLiteral("rwkv-desktop.sqlite")).toStdString();
        paths.vocabDir = rwkv::test::shareDir() / "vocab";
        paths.defaultModel = rwkv::test::demoModelPath();
        auto controller = std::make_unique<AppController>(paths, settings);
        controller->start();
        return controller;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        if (QStandardPaths::findExecutable(QStringLiteral("node")).isEmpty())
            QFAIL("node is needed as the API client (Debian: apt-get install nodejs)");
    }

    void switchServesTheLoadedModel()
    {
        const int port = freePort();
        const QString url = QStringLiteral("http://127.0.0.1:%1/v1").arg(port);
        QSettings settings(m_dir.filePath(QStringLiteral("settings.ini")), QSettings::IniFormat);
        {
            auto app = launch(settings);
            QTRY_VERIFY_WITH_TIMEOUT(app->modelReady(), kModelTimeoutMs);
            QTRY_VERIFY(!app->busy());
            QVERIFY(!app->apiServerEnabled()); // off by default
            QCOMPARE(app->apiServerUrl(), QString());

            app->setApiServer(true, port);
            QTRY_COMPARE_WITH_TIMEOUT(app->apiServerUrl(), url, kReplyTimeoutMs);
            QVERIFY(app->apiServerEnabled());

            // The app's own turn and an API request at once: they decode in the same batch.
            app->setChatSettings({{QStringLiteral("temperature"), 0}});
            QSignalSpy finished(app.get(), &AppController::replyFinished);
            app->send(QStringLiteral("Hello!"));
            QProcess client;
            startClient(client, url);
            QVERIFY(client.waitForFinished(kReplyTimeoutMs));
            QCOMPARE(client.exitCode(), 0);
            QCOMPARE(QString::fromUtf8(client.readAllStandardOutput()), kHello);
            QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kReplyTimeoutMs);
            QTRY_VERIFY_WITH_TIMEOUT(!app->busy(), kReplyTimeoutMs);
            QCOMPARE(app->messages()->rows().last().text, kHello);
        }
        {
            // Remembered: the next start serves again on the same port.
            auto app = launch(settings);
            QTRY_COMPARE_WITH_TIMEOUT(app->apiServerUrl(), url, kModelTimeoutMs);
            app->setApiServer(false, port);
            QTRY_COMPARE_WITH_TIMEOUT(app->apiServerUrl(), QString(), kReplyTimeoutMs);
            QTRY_VERIFY(!app->busy());
            QProcess refused;
            startClient(refused, url);
            QVERIFY(refused.waitForFinished(kReplyTimeoutMs));
            QVERIFY(refused.exitCode() != 0); // nothing listens any more
            // The app's turns decode on their own again.
            app->setChatSettings({{QStringLiteral("temperature"), 0}});
            QSignalSpy finished(app.get(), &AppController::replyFinished);
            app->send(QStringLiteral("Hello!"));
            QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kReplyTimeoutMs);
            QTRY_VERIFY_WITH_TIMEOUT(!app->busy(), kReplyTimeoutMs);
            QCOMPARE(app->messages()->rows().last().text, kHello);
        }
    }
};

QTEST_MAIN(TestAppApiServer)
#include "test_app_api_server.moc"
