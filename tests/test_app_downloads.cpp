// The "Get a model" page of the real window (Xvfb) against a real HTTP server on loopback
// serving the demo model as a catalog model: downloaded, cancelled partway, resumed with a
// Range request, byte-equal, then loaded through the app's model loading and chatted with; a
// checksum mismatch ends as FILE.bad with the error on the page; a 404 and a lack of room are named.
#include "support/app_harness.h"
#include "support/http_test_server.h"
#include "support/test_support.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSignalSpy>
#include <QTest>

#include <csignal>

using rwkv::test::kModelTimeoutMs;
using rwkv::test::RunningApp;

namespace {

constexpr qint64 kCancelAt = 10'000'000; // the first response stalls after these bytes
constexpr int kDownloadTimeoutMs = 60'000;

QByteArray readFile(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

struct CatalogModel {
    QString name, url;
    QByteArray sha256;
    qint64 size;
};

// A catalog in the shipped format (docs/model-catalog.md) with these models.
void writeCatalog(const QString& path, const QList<CatalogModel>& models)
{
    QStringList entries;
    for (const CatalogModel& m : models)
        entries << QString("{\"name\": \"%1\", \"title\": \"Test %1\", \"generation\": \"x070\", \"parameters\": 18700000,"
                           " \"size\": %2, \"url\": \"%3\", \"license\": \"Apache-2.0\", \"sha256\": \"%4\", \"unconfirmed\": []}")
                       .arg(m.name)
                       .arg(m.size)
                       .arg(m.url, QString::fromLatin1(m.sha256));
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly)) qFatal("cannot write %s", qPrintable(path));
    f.write(("{\"format\": 1, \"models\": [" + entries.join(u',') + "]}").toUtf8());
}

} // namespace

class TestAppDownloads : public rwkv::test::AppWindowTest {
    Q_OBJECT

    QByteArray m_model; // the demo model's bytes, what the server sends

    // The app on its own folder `name` of the test's directory, with `catalog` as its catalog.
    RunningApp launch(const QString& name, const QList<CatalogModel>& catalog)
    {
        const QString dir = m_dir.filePath(name);
        QDir().mkpath(dir);
        writeCatalog(dir + "/catalog.json", catalog);
        RunningApp app = rwkv::test::launchApp(dir, QSize(1280, 800), [&](AppPaths& paths) {
            paths.catalog = (dir + "/catalog.json").toStdString();
        });
        app.window->requestActivate();
        return app;
    }
    QString models(const QString& name) const { return m_dir.filePath(name + "/models"); }

    // The visible item named `name` inside the row of catalog model `model` (Repeater
    // delegates are visual children only).
    static QQuickItem* rowItem(const RunningApp& app, const QString& model, const char* name)
    {
        QList<QQuickItem*> items{app.window->contentItem()};
        QQuickItem* row = nullptr;
        while (!items.isEmpty() && !row) {
            QQuickItem* item = items.takeFirst();
            if (item->objectName() == "catalogRow-" + model) row = item;
            items.append(item->childItems());
        }
        if (!row) return nullptr;
        items = {row};
        while (!items.isEmpty()) {
            QQuickItem* item = items.takeFirst();
            if (item->objectName() == QLatin1String(name) && item->isVisible()) return item;
            items.append(item->childItems());
        }
        return nullptr;
    }
    static void click(const RunningApp& app, const QString& model, const char* name)
    {
        QQuickItem* target = nullptr;
        QTRY_VERIFY2((target = rowItem(app, model, name)) != nullptr, name);
        QTRY_VERIFY2(target->isEnabled(), name);
        // Where the dialog's page has settled (a tab just shown is laid out after a frame or two).
        QPointF at = target->mapToScene(QPointF());
        for (int i = 0; i < 50; ++i) {
            QTest::qWait(50);
            const QPointF now = target->mapToScene(QPointF());
            if (now == at && target->width() > 0) break;
            at = now;
        }
        rwkv::test::clickItem(app, target);
    }
    static QVariantMap row(const RunningApp& app, const QString& model)
    {
        for (const QVariant& v : app.controller->downloads()->models())
            if (v.toMap().value("name") == model) return v.toMap();
        return {};
    }
    // Opens the settings on "Get a model" once the demo model is loaded and the catalog read.
    static void openPage(const RunningApp& app)
    {
        QTRY_VERIFY_WITH_TIMEOUT(app.controller->modelReady() && !app.controller->busy(), kModelTimeoutMs);
        QTRY_VERIFY(!app.controller->downloads()->models().isEmpty());
        QObject* dialog = app.window->findChild<QObject*>(QStringLiteral("settingsDialog"));
        QVERIFY(dialog);
        QTest::keyClick(app.window, Qt::Key_Comma, Qt::ControlModifier);
        QTRY_VERIFY(dialog->property("opened").toBool());
        dialog->setProperty("currentTab", 3);
        QVERIFY(QTest::qWaitForWindowExposed(app.window));
    }

public:
    TestAppDownloads()
    {
        std::signal(SIGPIPE, SIG_IGN); // the server writes to clients that went away
        m_model = readFile(QString::fromStdString(rwkv::test::demoModelPath().string()));
    }

private slots:
    // A catalog URL in the page: Refresh lists the served catalog's models instead of the shipped
    // ones and remembers the URL; a URL that answers no catalog keeps that list and says why.
    void catalogRefreshedFromAUrl()
    {
        rwkv::test::HttpTestServer server(m_model.toStdString());
        const QByteArray sha = QCryptographicHash::hash(m_model, QCryptographicHash::Sha256).toHex();
        const QString served = m_dir.filePath("served-catalog.json");
        writeCatalog(served, {{"newer-one", server.url("model.pth"), sha, m_model.size()},
                              {"newer-two", server.url("model.pth"), sha, m_model.size()}});
        rwkv::test::HttpTestServer catalogServer(readFile(served).toStdString());
        rwkv::test::HttpTestServer notACatalog("<html>a login page</html>");
        RunningApp app = launch("refresh", {{"shipped-one", server.url("model.pth"), sha, m_model.size()}});
        openPage(app);
        QVERIFY(!row(app, "shipped-one").isEmpty());

        auto refreshFrom = [&](const QString& url) {
            QQuickItem* field = rwkv::test::findItem(app, "catalogUrlField");
            QVERIFY(field);
            field->setProperty("text", url);
            QQuickItem* button = rwkv::test::findItem(app, "refreshCatalogButton");
            QTRY_VERIFY(button && button->isEnabled());
            rwkv::test::clickItem(app, button);
            QTRY_VERIFY_WITH_TIMEOUT(app.controller->downloads()->catalogRefresh() == u"done"
                                         || app.controller->downloads()->catalogRefresh() == u"failed",
                                     kDownloadTimeoutMs);
        };
        refreshFrom(catalogServer.url("model.pth"));
        QCOMPARE(app.controller->downloads()->catalogRefresh(), QStringLiteral("done"));
        QTRY_VERIFY(!row(app, "newer-two").isEmpty());
        QVERIFY(row(app, "shipped-one").isEmpty());
        QCOMPARE(app.settings->value("catalog/url").toString(), catalogServer.url("model.pth"));
        QTRY_VERIFY(rwkv::test::findItem(app, "catalogRefreshStatus")->property("text").toString().contains("2 models"));

        refreshFrom(notACatalog.url("model.pth"));
        QCOMPARE(app.controller->downloads()->catalogRefresh(), QStringLiteral("failed"));
        const QString status = rwkv::test::findItem(app, "catalogRefreshStatus")->property("text").toString();
        QVERIFY2(status.contains("could not be refreshed") && status.contains("previous list is kept"), qPrintable(status));
        QVERIFY(!row(app, "newer-one").isEmpty());
        QVERIFY(rwkv::test::saveScreenshot(app, "downloads-catalog-refresh.png"));
    }


    void downloadCancelResumeAndLoad()
    {
        QVERIFY(m_model.size() > kCancelAt * 2);
        rwkv::test::HttpTestServer server(m_model.toStdString());
        rwkv::test::ServerBehaviour stall;
        stall.dropAt = size_t(kCancelAt);
        stall.stallFirst = true;
        server.set(stall);
        const QByteArray sha = QCryptographicHash::hash(m_model, QCryptographicHash::Sha256).toHex();
        RunningApp app = launch("resume", {{"demo-copy", server.url("model.pth"), sha, m_model.size()}});
        openPage(app);
        const QString file = models("resume") + "/model.pth";
        QCOMPARE(row(app, "demo-copy").value("state").toString(), QStringLiteral("absent"));
        QCOMPARE(row(app, "demo-copy").value("path").toString(), file);
        QVERIFY(rwkv::test::saveScreenshot(app, "downloads-page.png"));

        // Download, then Cancel while the server holds the connection after kCancelAt bytes.
        click(app, "demo-copy", "downloadButton");
        QTRY_COMPARE_WITH_TIMEOUT(app.controller->downloads()->progress().value("done").toLongLong(), kCancelAt, kDownloadTimeoutMs);
        QCOMPARE(app.controller->downloads()->active(), QStringLiteral("demo-copy"));
        QCOMPARE(app.controller->downloads()->progress().value("total").toLongLong(), m_model.size());
        QVERIFY(rowItem(app, "demo-copy", "downloadStatus")->property("text").toString().contains(" of "));
        QVERIFY(rwkv::test::saveScreenshot(app, "downloads-progress.png"));
        click(app, "demo-copy", "cancelDownloadButton");
        QTRY_VERIFY_WITH_TIMEOUT(app.controller->downloads()->active().isEmpty(), kDownloadTimeoutMs);
        QCOMPARE(row(app, "demo-copy").value("state").toString(), QStringLiteral("partial"));
        QCOMPARE(row(app, "demo-copy").value("error").toString(), QString());
        QCOMPARE(row(app, "demo-copy").value("partBytes").toLongLong(), kCancelAt);
        QCOMPARE(QFileInfo(file + ".part").size(), kCancelAt);
        QVERIFY(!QFile::exists(file));

        // Resume: the server is asked for the rest only, and the file is the demo model.
        QTRY_COMPARE(rowItem(app, "demo-copy", "downloadButton")->property("text").toString(), QStringLiteral("Resume"));
        click(app, "demo-copy", "downloadButton");
        QTRY_COMPARE_WITH_TIMEOUT(row(app, "demo-copy").value("state").toString(), QStringLiteral("ready"), kDownloadTimeoutMs);
        QCOMPARE(server.ranges(), (std::vector<std::string>{"", "bytes=" + std::to_string(kCancelAt) + "-"}));
        QVERIFY(readFile(file) == m_model);
        QVERIFY(!QFile::exists(file + ".part"));
        QVERIFY(!QFile::exists(file + ".bad"));
        QVERIFY(row(app, "demo-copy").value("verified").toBool());
        QVERIFY(rwkv::test::saveScreenshot(app, "downloads-done.png"));

        // Load: through the app's model loading, and it answers as the demo model does.
        click(app, "demo-copy", "loadDownloadedButton");
        QTRY_VERIFY_WITH_TIMEOUT(app.controller->modelReady() && !app.controller->busy() &&
                                     app.controller->model().value("path").toString() == file,
                                 kModelTimeoutMs);
        QVERIFY(app.controller->errorText().isEmpty());
        QTest::keyClick(app.window, Qt::Key_Escape);
        app.controller->setChatSettings({{QStringLiteral("temperature"), 0}});
        QSignalSpy finished(app.controller.get(), &AppController::replyFinished);
        app.controller->send(QStringLiteral("What is 7 + 5?"));
        QVERIFY(rwkv::test::waitForReply(app, finished, 1));
        QCOMPARE(app.controller->messages()->rows().value(1).text, QStringLiteral("7 + 5 = 12."));
    }

    void checksumMismatchAndNotFound()
    {
        rwkv::test::HttpTestServer server(m_model.toStdString());
        const QByteArray wrong = QCryptographicHash::hash("not the model", QCryptographicHash::Sha256).toHex();
        RunningApp app = launch("errors", {{"bad-copy", server.url("model.pth"), wrong, m_model.size()},
                                           {"gone", server.url("missing.pth"), wrong, 1000},
                                           {"huge", server.url("huge.pth"), wrong, qint64(1) << 60}});
        openPage(app);
        const QString file = models("errors") + "/model.pth";

        click(app, "bad-copy", "downloadButton");
        QTRY_VERIFY_WITH_TIMEOUT(!row(app, "bad-copy").value("error").toString().isEmpty(), kDownloadTimeoutMs);
        const QString error = row(app, "bad-copy").value("error").toString();
        QVERIFY2(error.contains("checksum mismatch") && error.contains(".bad"), qPrintable(error));
        QCOMPARE(row(app, "bad-copy").value("state").toString(), QStringLiteral("absent"));
        QVERIFY(row(app, "bad-copy").value("bad").toBool());
        QVERIFY(readFile(file + ".bad") == m_model);
        QVERIFY(!QFile::exists(file));
        QVERIFY(!QFile::exists(file + ".part"));
        QQuickItem* shown = rowItem(app, "bad-copy", "downloadError");
        QVERIFY(shown);
        QVERIFY(shown->property("text").toString().contains("checksum mismatch"));
        QVERIFY(!rowItem(app, "bad-copy", "loadDownloadedButton"));

        click(app, "gone", "downloadButton");
        QTRY_VERIFY_WITH_TIMEOUT(!row(app, "gone").value("error").toString().isEmpty(), kDownloadTimeoutMs);
        QVERIFY2(row(app, "gone").value("error").toString().contains("not found (HTTP 404)"), qPrintable(row(app, "gone").value("error").toString()));
        QTRY_VERIFY(rowItem(app, "gone", "downloadError"));
        QVERIFY(!QFile::exists(models("errors") + "/missing.pth"));
        // A disk without room for it: refused before any request (test_pull fills a real tmpfs).
        click(app, "huge", "downloadButton");
        QTRY_VERIFY_WITH_TIMEOUT(!row(app, "huge").value("error").toString().isEmpty(), kDownloadTimeoutMs);
        QVERIFY2(row(app, "huge").value("error").toString().contains("not enough free space"), qPrintable(row(app, "huge").value("error").toString()));
        QVERIFY(!QFile::exists(models("errors") + "/huge.pth.part"));
        QCOMPARE(server.ranges().size(), size_t(1)); // only bad-copy's
        QVERIFY(rwkv::test::saveScreenshot(app, "downloads-errors.png"));
        // The demo model still runs.
        QVERIFY(app.controller->modelReady());
    }
};

QTEST_MAIN(TestAppDownloads)
#include "test_app_downloads.moc"
