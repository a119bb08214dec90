// The window's size in the real app (offscreen, whose screen is 800×600): it opens within the
// screen, also from a geometry saved on a bigger one, and a narrow window folds the meters, then
// the sidebar, instead of cutting them off. Screenshots: build/screenshots/window-*.png.
#include "support/app_harness.h"
#include "support/test_support.h"

#include <QScreen>
#include <QTemporaryDir>
#include <QTest>

using rwkv::test::kModelTimeoutMs;
using rwkv::test::RunningApp;

class TestAppWindowSize : public rwkv::test::AppWindowTest {
    Q_OBJECT

private slots:
    void fitsTheScreenAndNarrowWindows()
    {
        for (const QRect saved : {QRect(), QRect(40, 40, 1600, 1000)}) {
            QTemporaryDir dir;
            if (saved.isValid())
                QSettings(dir.filePath(QStringLiteral("settings.ini")), QSettings::IniFormat)
                    .setValue(QStringLiteral("window/geometry"), saved);
            RunningApp app = rwkv::test::launchApp(dir.path(), QSize());
            QVERIFY(app.window);
            const QRect room = app.window->screen()->availableGeometry();
            QVERIFY2(app.window->width() <= room.width() && app.window->height() <= room.height(),
                     qPrintable(QStringLiteral("%1x%2").arg(app.window->width()).arg(app.window->height())));
            QVERIFY(app.window->width() >= app.window->minimumWidth());
        }

        RunningApp app = rwkv::test::launchApp(m_dir.path());
        QTRY_VERIFY_WITH_TIMEOUT(app.controller->modelReady(), kModelTimeoutMs);
        QTRY_VERIFY(!app.controller->busy());
        QVERIFY(app.window->minimumWidth() <= 480 && app.window->minimumHeight() <= 360);
        QQuickItem* sidebar = item(app, "sidebar");
        QQuickItem* meters = item(app, "metersPanel");
        QQuickItem* composer = item(app, "chatComposer");
        const auto inside = [&](QQuickItem* i) {
            const QRectF r = i->mapRectToScene(i->boundingRect());
            return r.left() >= 0 && r.right() <= app.window->width() + 0.5 && r.bottom() <= app.window->height() + 0.5;
        };
        QVERIFY(sidebar->isVisible() && meters->isVisible());

        app.window->resize(640, 480);
        QTRY_VERIFY(!meters->isVisible());
        QVERIFY(sidebar->isVisible());
        QTRY_VERIFY(inside(sidebar) && inside(composer));
        QVERIFY(rwkv::test::saveScreenshot(app, "window-640x480.png"));
        QTest::keyClick(app.window, Qt::Key_M, Qt::ControlModifier);  // still there on demand
        QTRY_VERIFY(meters->isVisible());
        QTest::keyClick(app.window, Qt::Key_M, Qt::ControlModifier);

        app.window->resize(480, 360);
        QTRY_VERIFY(!sidebar->isVisible() && !meters->isVisible());
        QTRY_VERIFY(inside(composer));
        QVERIFY(rwkv::test::saveScreenshot(app, "window-480x360.png"));
        QTest::keyClick(app.window, Qt::Key_B, Qt::ControlModifier);
        QTRY_VERIFY(sidebar->isVisible());

        app.window->resize(1280, 800);
        QTRY_VERIFY(sidebar->isVisible() && meters->isVisible());
    }
};

QTEST_MAIN(TestAppWindowSize)
#include "test_app_window_size.moc"
