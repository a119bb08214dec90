#pragma once
// The real app for the test_app_* programs: settings, controller and QML window on a test's
// own folder and the demo model; screenshots under build/screenshots/; and a recorder of the
// Qt messages a test must not see (QML warnings and errors).
#include "app/app_controller.h"
#include "app/main_window.h"

#include <QQuickItem>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>

#include <functional>
#include <memory>

namespace rwkv::test {

// How long a test waits for the demo model to load (a slow, shared CI machine).
inline constexpr int kModelTimeoutMs = 120'000;

// One running app, destroyed in the reverse order of construction.
struct RunningApp {
    std::unique_ptr<QSettings> settings;
    std::unique_ptr<AppController> controller;
    std::unique_ptr<QQmlApplicationEngine> engine;
    QQuickWindow* window = nullptr;
};

// Starts the app with its database, settings and downloaded models (dir/models) in `dir`, and
// the shipped catalog; `size` empty: the window's own size; `adjust` may change those paths.
RunningApp launchApp(const QString& dir, QSize size = QSize(1280, 800), const std::function<void(AppPaths&)>& adjust = {});

// The window's item named `objectName`, or null.
QQuickItem* findItem(const RunningApp& app, const char* objectName);

// Waits until `finished` (a spy on replyFinished) has `count` signals and the app is idle;
// false (with the app's error, if it shows one) when that does not come, early when the
// reply's job failed. Use as QVERIFY(waitForReply(...)): a failure must end the test, not
// leave every later turn waiting out its own timeout.
[[nodiscard]] bool waitForReply(const RunningApp& app, QSignalSpy& finished, int count);

// Types `text` into the composer named `composer` and presses Enter, as a person would.
void typeAndSend(const RunningApp& app, const char* composer, const QString& text);

// Clicks the middle of `item` in the window, as a mouse would, once the window's layout settled.
void clickItem(const RunningApp& app, const QQuickItem* item, Qt::MouseButton button = Qt::LeftButton);

// Saves the window (or `crop` of it) as build/screenshots/<name>; false if that failed.
bool saveScreenshot(const RunningApp& app, const char* name, const QRectF& crop = {});

// Records warnings, criticals and fatals for which `relevant` says true, from now on (one
// recorder per process); messages still reach the test log.
void recordMessages(std::function<bool(const QString&)> relevant);
// The recorded messages since the last call.
QStringList takeRecordedMessages();

// Base of the test_app_* classes that open the window: the software renderer and the system
// style before the application exists, a folder of the test's own, and a failure for any
// warning of our QML module (binding errors, undefined properties) during a test function.
class AppWindowTest : public QObject {
    Q_OBJECT

public:
    static void initMain();

protected:
    QTemporaryDir m_dir;

    static QQuickItem* item(const RunningApp& app, const char* objectName) { return findItem(app, objectName); }

private slots:
    void initTestCase();
    void cleanup();
};

} // namespace rwkv::test
