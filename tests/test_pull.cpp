// rwkv-cli pull against a real HTTP server on loopback (support/http_test_server): a verified
// download, resumes (a dropped connection, a restart, Ctrl+C), a server that ignores Range,
// checksums from the catalog and from the server's ETag, a mismatch kept aside, 404, a redirect
// loop, the free-space check and a disk that fills up (a small tmpfs).
#include "support/cli_run.h"
#include "support/http_test_server.h"
#include "support/test_support.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFileInfo>
#include <QFile>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <vector>

namespace {

constexpr size_t kSize = 1 << 20;
constexpr size_t kDropAt = 300000;
const char* const kResumeRange = "bytes=300000-"; // what the request after a drop at kDropAt asks for

using rwkv::test::HttpTestServer;
using Behaviour = rwkv::test::ServerBehaviour;

Behaviour dropping()
{
    Behaviour b;
    b.dropAt = kDropAt;
    return b;
}

Behaviour withEtag(const QByteArray& sha)
{
    Behaviour b;
    b.etag = ('"' + sha + '"').toStdString(); // as Hugging Face quotes it
    return b;
}

QString cli() { return QString::fromStdString((rwkv::test::binDir() / "rwkv-cli").string()); }

QByteArray sha256Hex(const QByteArray& data) { return QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex(); }

QByteArray readFile(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace

class TestPull : public QObject {
    Q_OBJECT

    QByteArray m_content;
    std::unique_ptr<HttpTestServer> m_server;
    std::unique_ptr<QTemporaryDir> m_dir;

    QString out() const { return m_dir->path() + "/models"; }
    QString model() const { return out() + "/model.pth"; }

    // A catalog with one model, "test-model", served at /model.pth (a size not confirmed is only
    // used for the free-space check).
    QString catalog(const QByteArray& sha, qint64 size = kSize, bool sizeConfirmed = true)
    {
        const QString path = m_dir->path() + "/catalog.json";
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly)) qFatal("cannot write %s", qPrintable(path));
        f.write(QString("{\"format\": 1, \"models\": [{\"name\": \"test-model\", \"title\": \"Test\", \"generation\": \"x070\","
                        " \"parameters\": 1, \"size\": %1, \"url\": \"%2\", \"license\": \"Apache-2.0\", \"sha256\": %3,"
                        " \"unconfirmed\": [%4]}]}")
                    .arg(size)
                    .arg(m_server->url("model.pth"), "\"" + sha + "\"", sizeConfirmed ? "" : "\"size\"")
                    .toUtf8());
        return path;
    }
    rwkv::test::CliRun pullModel(const QString& catalogPath)
    {
        return rwkv::test::runCli(cli(), {"pull", "test-model", "--out", out(), "--catalog", catalogPath});
    }
    void verifyComplete(const rwkv::test::CliRun& r)
    {
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(r.out.trimmed(), model().toUtf8());
        QVERIFY(readFile(model()) == m_content);
        QVERIFY(!QFile::exists(model() + ".part"));
    }

private slots:
    void initTestCase()
    {
        std::signal(SIGPIPE, SIG_IGN); // the server writes to clients that went away
        QRandomGenerator random(19);
        m_content.resize(kSize);
        random.fillRange(reinterpret_cast<quint32*>(m_content.data()), kSize / 4);
    }
    void init()
    {
        m_server = std::make_unique<HttpTestServer>(m_content.toStdString());
        m_dir = std::make_unique<QTemporaryDir>();
    }
    void cleanup()
    {
        m_server.reset();
        m_dir.reset();
    }

    void downloadsAndVerifies()
    {
        const auto r = pullModel(catalog(sha256Hex(m_content)));
        verifyComplete(r);
        QVERIFY2(r.err.contains("sha256 verified (from the catalog)"), r.err.constData());
        QCOMPARE(m_server->ranges(), std::vector<std::string>{""});
        // Pulled again: the file is there and stays as it is.
        const auto again = pullModel(catalog(sha256Hex(m_content)));
        QCOMPARE(again.exitCode, 0);
        QVERIFY(again.err.contains("already there"));
        QCOMPARE(m_server->ranges().size(), size_t(1));
    }

    void resumesAfterDroppedConnection()
    {
        m_server->set(dropping());
        const auto r = pullModel(catalog(sha256Hex(m_content)));
        verifyComplete(r);
        QVERIFY2(r.err.contains("connection dropped"), r.err.constData());
        // The second request asked for the rest only.
        QCOMPARE(m_server->ranges(), (std::vector<std::string>{"", kResumeRange}));
    }

    void resumesAfterRestart()
    {
        QVERIFY(QDir().mkpath(out()));
        QFile part(model() + ".part");
        QVERIFY(part.open(QIODevice::WriteOnly));
        part.write(m_content.left(500000));
        part.close();
        const auto r = pullModel(catalog(sha256Hex(m_content)));
        verifyComplete(r);
        QCOMPARE(m_server->ranges(), std::vector<std::string>{"bytes=500000-"});
    }

    // A .part that is already whole (stopped before the rename): the server has nothing after it
    // (416), and the file is checked and renamed.
    void wholePartIsCheckedAndRenamed()
    {
        QVERIFY(QDir().mkpath(out()));
        QFile part(model() + ".part");
        QVERIFY(part.open(QIODevice::WriteOnly));
        part.write(m_content);
        part.close();
        const auto r = pullModel(catalog(sha256Hex(m_content)));
        verifyComplete(r);
        QCOMPARE(m_server->ranges(), std::vector<std::string>{"bytes=1048576-"});
    }

    void serverIgnoringRangeStartsOver()
    {
        Behaviour b = dropping();
        b.honourRange = false;
        m_server->set(b);
        const auto r = pullModel(catalog(sha256Hex(m_content)));
        verifyComplete(r);
        QVERIFY2(r.err.contains("ignores Range"), r.err.constData());
        QCOMPARE(m_server->ranges().size(), size_t(2));
    }

    void interruptedLeavesAResumablePart()
    {
        Behaviour b = dropping();
        b.stallFirst = true;
        m_server->set(b);
        const QString catalogPath = catalog(sha256Hex(m_content));
        QProcess p;
        p.start(cli(), {"pull", "test-model", "--out", out(), "--catalog", catalogPath});
        QVERIFY(p.waitForStarted());
        QTRY_COMPARE_WITH_TIMEOUT(QFileInfo(model() + ".part").size(), qint64(kDropAt), 20000);
        ::kill(pid_t(p.processId()), SIGINT);
        QVERIFY(p.waitForFinished(20000));
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 1);
        QVERIFY(p.readAllStandardError().contains("interrupted"));
        QCOMPARE(QFileInfo(model() + ".part").size(), qint64(kDropAt));
        QVERIFY(!QFile::exists(model()));
        verifyComplete(pullModel(catalogPath));
        QCOMPARE(m_server->ranges().back(), kResumeRange);
    }

    void checksumMismatchIsKeptAside()
    {
        const auto r = pullModel(catalog(sha256Hex("other content")));
        rwkv::test::verifyCleanError(r, 1, "checksum mismatch");
        QVERIFY(!QFile::exists(model()));
        QVERIFY(!QFile::exists(model() + ".part"));
        QVERIFY(readFile(model() + ".bad") == m_content);
    }

    void wrongSizeIsKeptAside()
    {
        const auto r = pullModel(catalog(sha256Hex(m_content), kSize - 1));
        rwkv::test::verifyCleanError(r, 1, "not the expected");
        QVERIFY(!QFile::exists(model()));
        QVERIFY(QFile::exists(model() + ".bad"));
    }

    void checksumFromTheServer()
    {
        m_server->set(withEtag(sha256Hex(m_content)));
        const auto r = rwkv::test::runCli(cli(), {"pull", m_server->url("model.pth"), "--out", out()});
        verifyComplete(r);
        QVERIFY2(r.err.contains("sha256 verified (given by the server)"), r.err.constData());
    }

    void checksumFromARedirect()
    {
        Behaviour b;
        b.linkedEtag = withEtag(sha256Hex(m_content)).etag; // the file itself comes without an ETag
        m_server->set(b);
        const auto r = rwkv::test::runCli(cli(), {"pull", m_server->url("hf/model.pth"), "--out", out()});
        verifyComplete(r);
        QVERIFY2(r.err.contains("sha256 verified (given by the server)"), r.err.constData());
    }

    void wrongChecksumFromTheServer()
    {
        m_server->set(withEtag(sha256Hex("other")));
        const auto r = rwkv::test::runCli(cli(), {"pull", m_server->url("model.pth"), "--out", out()});
        rwkv::test::verifyCleanError(r, 1, "checksum mismatch");
        QVERIFY(!QFile::exists(model()));
        QVERIFY(QFile::exists(model() + ".bad"));
    }

    void saysWhenNothingIsVerified()
    {
        const auto r = rwkv::test::runCli(cli(), {"pull", m_server->url("model.pth"), "--out", out()});
        verifyComplete(r);
        QVERIFY2(r.err.contains("not verified: no checksum known"), r.err.constData());
    }

    void notFound()
    {
        const auto r = rwkv::test::runCli(cli(), {"pull", m_server->url("missing.pth"), "--out", out()});
        rwkv::test::verifyCleanError(r, 1, "not found (HTTP 404)");
        QVERIFY(QDir(out()).isEmpty());
    }

    void redirectLoop()
    {
        const auto r = rwkv::test::runCli(cli(), {"pull", m_server->url("loop.pth"), "--out", out()});
        rwkv::test::verifyCleanError(r, 1, "redirect loop");
        QVERIFY(QDir(out()).isEmpty());
    }

    void usageErrors()
    {
        rwkv::test::verifyCleanError(rwkv::test::runCli(cli(), {"pull"}), 2, "usage: rwkv-cli pull NAME|URL");
        const auto unknown = rwkv::test::runCli(cli(), {"pull", "no-such-model", "--catalog", catalog(sha256Hex(m_content))});
        rwkv::test::verifyCleanError(unknown, 2, "no model 'no-such-model' in the catalog (test-model)");
        QVERIFY(m_server->ranges().empty());
    }

    void refusesWithoutFreeSpace()
    {
        // A catalog size no disk has: refused before any request.
        const auto r = pullModel(catalog(sha256Hex(m_content), qint64(1) << 60, false));
        rwkv::test::verifyCleanError(r, 1, "not enough free space");
        QVERIFY(m_server->ranges().empty());
    }

    void diskFillsUp()
    {
        // A 256 KiB tmpfs for a 1 MiB file.
        QVERIFY(QDir().mkpath(out()));
        QProcess mount;
        mount.start("mount", {"-t", "tmpfs", "-o", "size=256k", "tmpfs", out()});
        if (!mount.waitForFinished(10000) || mount.exitStatus() != QProcess::NormalExit || mount.exitCode() != 0)
            QSKIP(qPrintable("mounting a small tmpfs is not permitted here (needs root): " + mount.readAllStandardError()));
        struct Unmount {
            QString dir;
            ~Unmount() { QProcess::execute("umount", {dir}); }
        } unmount{out()};
        // The size the server states is checked against the free space before any byte is written.
        const auto early = rwkv::test::runCli(cli(), {"pull", m_server->url("model.pth"), "--out", out()});
        rwkv::test::verifyCleanError(early, 1, "not enough free space");
        QVERIFY(!QFile::exists(model() + ".part"));
        Behaviour b;
        b.chunked = true;
        m_server->set(b);
        const auto r = rwkv::test::runCli(cli(), {"pull", m_server->url("model.pth"), "--out", out()});
        // Sent without Content-Length, so no check can see it coming.
        rwkv::test::verifyCleanError(r, 1, "the disk is full");
        const qint64 kept = QFileInfo(model() + ".part").size();
        QVERIFY2(kept > 0 && kept <= 256 * 1024, qPrintable(QString::number(kept)));
        QVERIFY(readFile(model() + ".part") == m_content.left(kept));
        QVERIFY(!QFile::exists(model()));
    }

    // --catalog URL: the catalog is downloaded, checked and kept in the data folder, where later
    // pulls (and the app) find it; a URL that answers something else, or nothing, changes nothing.
    void catalogFromAUrl()
    {
        const QString catalogFile = catalog(sha256Hex(m_content));
        const QByteArray served = readFile(catalogFile);
        HttpTestServer catalogServer(served.toStdString());
        HttpTestServer notACatalog("<html>a login page</html>");
        qputenv("XDG_DATA_HOME", m_dir->path().toUtf8());
        const QString kept = m_dir->path() + "/rwkv-desktop/catalog.json";
        QFile::remove(catalogFile); // only the served copy from here on

        const auto bad = rwkv::test::runCli(cli(), {"pull", "test-model", "--out", out(), "--catalog", notACatalog.url("model.pth")});
        QCOMPARE(bad.exitCode, 1);
        QVERIFY2(bad.err.contains("catalog"), bad.err.constData());
        QVERIFY(!QFile::exists(kept) && !QFile::exists(kept + ".part"));
        const auto missing = rwkv::test::runCli(cli(), {"pull", "test-model", "--out", out(), "--catalog", catalogServer.url("missing.pth")});
        QVERIFY2(missing.exitCode != 0 && missing.err.contains("404"), missing.err.constData());

        const auto r = rwkv::test::runCli(cli(), {"pull", "test-model", "--out", out(), "--catalog", catalogServer.url("model.pth")});
        verifyComplete(r);
        QVERIFY2(r.err.contains("catalog refreshed from") && r.err.contains("1 models"), r.err.constData());
        QCOMPARE(readFile(kept), served);
        // The kept catalog is the default now; a failed refresh leaves it as it was.
        const auto again = rwkv::test::runCli(cli(), {"pull", "test-model", "--out", out()});
        QVERIFY2(again.exitCode == 0 && again.err.contains("already there"), again.err.constData());
        const QByteArray before = readFile(kept);
        rwkv::test::runCli(cli(), {"pull", "test-model", "--out", out(), "--catalog", notACatalog.url("model.pth")});
        QCOMPARE(readFile(kept), before);
        qunsetenv("XDG_DATA_HOME");
    }
};

QTEST_GUILESS_MAIN(TestPull)
#include "test_pull.moc"
