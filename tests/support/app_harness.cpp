#include "support/app_harness.h"
#include "support/test_support.h"

#include <QDir>
#include <QTest>
#include <QtQuickTest/quicktest.h>

namespace rwkv::test {
namespace {

QStringList g_messages;
std::function<bool(const QString&)> g_relevant;
QtMessageHandler g_previousHandler = nullptr;

void recordMessage(QtMsgType type, const QMessageLogContext& context, const QString& message)
{
    if (type != QtDebugMsg && type != QtInfoMsg && g_relevant(message)) g_messages.append(message);
    g_previousHandler(type, context, message);
}

} // namespace

RunningApp launchApp(const QString& dir, QSize size, const std::function<void(AppPaths&)>& adjust)
{
    RunningApp app;
    AppPaths paths;
    paths.database = QDir(dir).filePath(QStringLiteral("rwkv-desktop.sqlite")).toStdString();
    paths.vocabDir = shareDir() / "vocab";
    paths.defaultModel = demoModelPath();
    paths.catalog = shareDir() / "catalog" / "models.json";
    paths.refreshedCatalog = QDir(dir).filePath(QStringLiteral("refreshed-catalog.json")).toStdString();
    paths.modelsDir = QDir(dir).filePath(QStringLiteral("models")).toStdString();
    paths.strategyChoices = QDir(dir).filePath(QStringLiteral("strategy-choices.json")).toStdString();
    if (adjust) adjust(paths);
    app.settings = std::make_unique<QSettings>(QDir(dir).filePath(QStringLiteral("settings.ini")), QSettings::IniFormat);
    app.controller = std::make_unique<AppController>(paths, *app.settings);
    app.engine = std::make_unique<QQmlApplicationEngine>();
    app.window = loadMainWindow(*app.engine, *app.controller);
    if (app.window && !size.isEmpty()) app.window->resize(size);
    app.controller->start();
    return app;
}

QQuickItem* findItem(const RunningApp& app, const char* objectName)
{
    return app.window->findChild<QQuickItem*>(QString::fromLatin1(objectName));
}

bool waitForReply(const RunningApp& app, QSignalSpy& finished, int count)
{
    constexpr int kReplyTimeoutMs = 60'000;
    const AppController& c = *app.controller;
    // Idle with the replies, or idle with an error (the reply's job failed: no use waiting on).
    const auto settled = [&] { return !c.busy() && (finished.count() >= count || !c.errorText().isEmpty()); };
    if (QTest::qWaitFor(settled, kReplyTimeoutMs) && finished.count() == count) return true;
    qWarning("waitForReply: %lld of %d replies, %s; the app's error: \"%s\"", qlonglong(finished.count()), count,
             c.busy() ? "still busy" : "idle", qPrintable(c.errorText()));
    return false;
}

void typeAndSend(const RunningApp& app, const char* composer, const QString& text)
{
    QQuickItem* c = findItem(app, composer);
    QQuickItem* input = c ? c->findChild<QQuickItem*>(QStringLiteral("input")) : nullptr;
    QVERIFY(input);
    input->forceActiveFocus();
    QTRY_VERIFY(input->hasActiveFocus());
    for (const QChar ch : text) QTest::keyClick(app.window, ch.toLatin1());
    QCOMPARE(input->property("text").toString(), text);
    QTest::keyClick(app.window, Qt::Key_Return);
}

void clickItem(const RunningApp& app, const QQuickItem* item, Qt::MouseButton button)
{
    // A page just shown (a tab, a dialog) is laid out at the next polish: before it, the item's
    // position is stale and the click lands beside it (a lost click).
    if (!QQuickTest::qWaitForPolish(app.window)) qWarning("clickItem: the window's layout did not settle");
    const QPointF centre = item->mapToScene(QPointF(item->width() / 2, item->height() / 2));
    QTest::mouseClick(app.window, button, {}, centre.toPoint());
}

bool saveScreenshot(const RunningApp& app, const char* name, const QRectF& crop)
{
    QTest::qWait(150);  // let the scene settle (scroll positions, text layout)
    QImage image = app.window->grabWindow();
    if (image.isNull()) return false;
    if (!crop.isEmpty()) image = image.copy(crop.toAlignedRect());
    const QDir dir(QString::fromStdString((binDir().parent_path() / "screenshots").string()));
    dir.mkpath(QStringLiteral("."));
    return image.save(dir.filePath(QString::fromLatin1(name)));
}

void recordMessages(std::function<bool(const QString&)> relevant)
{
    g_relevant = std::move(relevant);
    g_previousHandler = qInstallMessageHandler(recordMessage);
}

QStringList takeRecordedMessages() { return std::exchange(g_messages, {}); }

void AppWindowTest::initMain()
{
    QQuickWindow::setGraphicsApi(QSGRendererInterface::Software);
    useSystemStyle();
}

void AppWindowTest::initTestCase()
{
    QVERIFY(m_dir.isValid());
    // After QTest's own handler is in place, so messages still reach the test log.
    recordMessages([](const QString& m) { return m.contains(QStringLiteral("RwkvDesktop/")); });
}

void AppWindowTest::cleanup()
{
    const QStringList warnings = takeRecordedMessages();
    QVERIFY2(warnings.isEmpty(), qPrintable(warnings.join(u'\n')));
}

} // namespace rwkv::test

