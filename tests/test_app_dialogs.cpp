// Every page, dialog and menu of the real window, opened the way a person opens it (shortcut,
// button, right click) and closed again, with the file choosers included. Runs under Xvfb
// (xcb) where available, like a desktop, and fails on any warning or error Qt or QML logs
// except known-harmless platform noise: a QML module missing from the install
// (ui/qml-modules.txt) shows up here as a warning, or as the crash it causes.
// Also the zoom shortcuts and the reply buttons' contrast. Screenshots go to
// build/screenshots/dialog-*.png and page-*.png (page-settings-get-model.png: the real catalog).
#include "support/app_harness.h"
#include "support/test_support.h"

#include <QFile>
#include <QImage>

#include <cmath>
#include <QQuickItem>
#include <QTemporaryDir>
#include <QTest>

using rwkv::test::kModelTimeoutMs;
using rwkv::test::RunningApp;

namespace {

// Platform messages that say nothing about the app: no XDG runtime folder in CI, Xvfb's
// missing extensions and fonts, fontconfig's cache.
bool harmless(const QString& message)
{
    static const char* const kHarmless[] = {"xdg_runtime_dir", "runtime directory", "fontconfig", "xvfb",
                                            "xkeyboard", "xkbcommon"};
    for (const char* text : kHarmless)
        if (message.contains(QLatin1String(text), Qt::CaseInsensitive)) return true;
    return false;
}

// WCAG's contrast ratio between the darkest and the lightest pixel of `area`: for a text
// button, its text colour (the core of the glyphs) against its background.
double contrastIn(const QImage& image, const QRect& area)
{
    const auto luminance = [](QRgb rgb) {
        const auto channel = [](int v) {
            const double c = v / 255.0;
            return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
        };
        return 0.2126 * channel(qRed(rgb)) + 0.7152 * channel(qGreen(rgb)) + 0.0722 * channel(qBlue(rgb));
    };
    double darkest = 1, lightest = 0;
    for (int y = area.top(); y <= area.bottom(); ++y)
        for (int x = area.left(); x <= area.right(); ++x) {
            const double l = luminance(image.pixel(x, y));
            darkest = std::min(darkest, l);
            lightest = std::max(lightest, l);
        }
    return (lightest + 0.05) / (darkest + 0.05);
}

} // namespace

class TestAppDialogs : public QObject {
    Q_OBJECT

public:
    static void initMain()
    {
        QQuickWindow::setGraphicsApi(QSGRendererInterface::Software);
        useSystemStyle();
    }

private:
    QTemporaryDir m_dir;
    RunningApp m_app;

    // The object named `name`, also inside list delegates (visual children of their view
    // only); of items, the first visible one.
    QObject* object(const char* name) const
    {
        const QString wanted = QString::fromLatin1(name);
        if (QObject* found = m_app.window->findChild<QObject*>(wanted)) return found;
        QList<QQuickItem*> items{m_app.window->contentItem()};
        while (!items.isEmpty()) {
            QQuickItem* item = items.takeFirst();
            if (item->objectName() == wanted && item->isVisible()) return item;
            if (QObject* found = item->findChild<QObject*>(wanted, Qt::FindDirectChildrenOnly))
                if (!found->isQuickItemType()) return found;
            items.append(item->childItems());
        }
        return nullptr;
    }

    // Clicks the middle of the item named `name`.
    void click(const char* name, Qt::MouseButton button = Qt::LeftButton)
    {
        QQuickItem* target = rwkv::test::findItem(m_app, name);
        QVERIFY2(target && target->isVisible(), name);
        rwkv::test::clickItem(m_app, target, button);
    }

    // The file dialog `name` is open and shown, with Qt's own chooser on screen; then Escape closes it.
    void checkFileDialog(const char* name, const char* screenshot = nullptr)
    {
        QObject* dialog = object(name);
        QVERIFY2(dialog, name);
        QTRY_VERIFY2(dialog->property("visible").toBool(), name);
        const auto shown = [this] {
            for (QObject* o : m_app.window->findChildren<QObject*>())
                if (o->inherits("QQuickFileDialogImpl") && o->property("opened").toBool())
                    return true;
            return false;
        };
        QTRY_VERIFY2(shown(), name);
        if (screenshot) QVERIFY(rwkv::test::saveScreenshot(m_app, screenshot));
        QTest::keyClick(m_app.window, Qt::Key_Escape);
        QTRY_VERIFY2(!dialog->property("visible").toBool(), name);
        QTRY_VERIFY2(!shown(), name);
    }

    // Opens `menu` with a right click on `row` and clicks its item whose text starts with `text`.
    void clickMenuItem(QObject* menu, const QQuickItem* row, const char* text)
    {
        rwkv::test::clickItem(m_app, row, Qt::RightButton);
        QTRY_VERIFY(menu->property("opened").toBool());
        QQuickItem* found = nullptr;
        for (int i = 0; i < menu->property("count").toInt() && !found; ++i) {
            QQuickItem* entry = nullptr;
            QVERIFY(QMetaObject::invokeMethod(menu, "itemAt", Q_RETURN_ARG(QQuickItem*, entry), Q_ARG(int, i)));
            if (entry && entry->property("text").toString().startsWith(QLatin1String(text))) found = entry;
        }
        QVERIFY2(found, text);
        QTRY_VERIFY(found->isVisible() && found->height() > 0);
        rwkv::test::clickItem(m_app, found);
    }

    // The popup (Dialog, Menu) named `name` opens, then Escape closes it.
    void checkPopup(const char* name, const char* screenshot = nullptr)
    {
        QObject* popup = object(name);
        QVERIFY2(popup, name);
        QTRY_VERIFY2(popup->property("opened").toBool(), name);
        if (screenshot) QVERIFY(rwkv::test::saveScreenshot(m_app, screenshot));
        QTest::keyClick(m_app.window, Qt::Key_Escape);
        QTRY_VERIFY2(!popup->property("visible").toBool(), name);
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        rwkv::test::recordMessages([](const QString& m) { return !harmless(m); });
        m_app = rwkv::test::launchApp(m_dir.path());
        QVERIFY(m_app.window);
        m_app.window->requestActivate();
        QVERIFY(QTest::qWaitForWindowActive(m_app.window));
        QTRY_VERIFY_WITH_TIMEOUT(m_app.controller->modelReady(), kModelTimeoutMs);
        QTRY_VERIFY_WITH_TIMEOUT(!m_app.controller->busy(), kModelTimeoutMs);
    }

    // Every test: not one warning or error logged.
    void cleanup()
    {
        const QStringList messages = rwkv::test::takeRecordedMessages();
        QVERIFY2(messages.isEmpty(), qPrintable(messages.join(u'\n')));
    }

    void cleanupTestCase()
    {
        m_app.engine.reset();  // the window before the controller it shows
        m_app.controller.reset();
    }

    void chatPage()
    {
        // The first screen says the demo model is a toy and where real models come from.
        QQuickItem* notice = rwkv::test::findItem(m_app, "demoNotice");
        QVERIFY(notice && notice->isVisible());
        QVERIFY(notice->property("text").toString().contains(QStringLiteral("https://huggingface.co/BlinkDL")));
        QVERIFY(rwkv::test::saveScreenshot(m_app, "page-chat-empty.png"));
        // Its "Settings → Get a model" link opens that page.
        QObject* settings = object("settingsDialog");
        QVERIFY(settings);
        QVERIFY(QMetaObject::invokeMethod(notice, "linkActivated", Q_ARG(QString, QStringLiteral("app:get-model"))));
        QTRY_VERIFY(settings->property("opened").toBool());
        QCOMPARE(settings->property("currentTab").toInt(), 3);
        QTest::keyClick(m_app.window, Qt::Key_Escape);
        QTRY_VERIFY(!settings->property("visible").toBool());
        m_app.controller->setChatSettings({{QStringLiteral("temperature"), 0}});
        m_app.controller->send(QStringLiteral("Hello!"));
        QTRY_VERIFY_WITH_TIMEOUT(m_app.controller->conversationId() > 0 && !m_app.controller->busy(), kModelTimeoutMs);
        QVERIFY(rwkv::test::saveScreenshot(m_app, "page-chat.png"));
        // The reply's link-style buttons (not hovered) meet WCAG AA: 4.5:1 for their text.
        for (const char* name : {"copyButton", "regenerateButton", "saveStateButton"}) {
            auto* button = qobject_cast<QQuickItem*>(object(name));
            QVERIFY(button && button->isVisible());
            QTest::mouseMove(m_app.window, QPoint(m_app.window->width() - 5, m_app.window->height() / 2));
            const QRect area = button->mapRectToScene(button->boundingRect()).toAlignedRect().adjusted(2, 2, -2, -2);
            const double ratio = contrastIn(m_app.window->grabWindow(), area);
            QVERIFY2(ratio >= 4.5, qPrintable(QStringLiteral("%1: %2:1").arg(QLatin1String(name)).arg(ratio)));
        }
        // Ctrl+M hides the meters and shows them again.
        QQuickItem* meters = rwkv::test::findItem(m_app, "metersPanel");
        QTest::keyClick(m_app.window, Qt::Key_M, Qt::ControlModifier);
        QTRY_VERIFY(!meters->isVisible());
        QTest::keyClick(m_app.window, Qt::Key_M, Qt::ControlModifier);
        QTRY_VERIFY(meters->isVisible());
    }

    // Ctrl+= / Ctrl+- / Ctrl+0 zoom every text, fixed sizes included, and the zoom is remembered.
    void zoomShortcuts()
    {
        QQuickItem* title = rwkv::test::findItem(m_app, "appTitle");
        QQuickItem* model = rwkv::test::findItem(m_app, "modelLabel");
        QVERIFY(title && model);
        const double titleSize = title->property("font").value<QFont>().pixelSize();
        const double modelHeight = model->height();
        QTest::keyClick(m_app.window, Qt::Key_Equal, Qt::ControlModifier);
        QTest::keyClick(m_app.window, Qt::Key_Equal, Qt::ControlModifier);
        QTest::keyClick(m_app.window, Qt::Key_Equal, Qt::ControlModifier);
        QTRY_COMPARE(m_app.controller->zoom(), 1.3);
        QCOMPARE(title->property("font").value<QFont>().pixelSize(), qRound(titleSize * 1.3));
        QTRY_VERIFY(model->height() > modelHeight * 1.2);
        QVERIFY(rwkv::test::saveScreenshot(m_app, "page-chat-zoom130.png"));
        QTest::keyClick(m_app.window, Qt::Key_Minus, Qt::ControlModifier);
        QTRY_COMPARE(m_app.controller->zoom(), 1.2);
        QCOMPARE(m_app.settings->value(QStringLiteral("window/zoom")).toDouble(), 1.2);
        QTest::keyClick(m_app.window, Qt::Key_0, Qt::ControlModifier);
        QTRY_COMPARE(m_app.controller->zoom(), 1.0);
        QCOMPARE(title->property("font").value<QFont>().pixelSize(), qRound(titleSize));
        QTRY_COMPARE(model->height(), modelHeight);
    }

    void openDocumentByShortcut()
    {
        QTest::keyClick(m_app.window, Qt::Key_O, Qt::ControlModifier);
        checkFileDialog("documentDialog", "dialog-open-document.png");
    }

    void openDocumentFromTheSidebar()
    {
        click("openDocumentButton");
        checkFileDialog("documentDialog");
    }

    void readIntoChatFromTheComposer()
    {
        click("readIntoChatButton");
        checkFileDialog("readIntoChatDialog", "dialog-read-into-chat.png");
    }

    void conversationMenuAndDeleteDialog()
    {
        QObject* menu = object("conversationMenu");
        QVERIFY(menu);
        QQuickItem* row = qobject_cast<QQuickItem*>(menu->parent());
        QVERIFY(row && row->isVisible());
        rwkv::test::clickItem(m_app, row, Qt::RightButton);
        checkPopup("conversationMenu", "dialog-conversation-menu.png");
        // Its "Export conversation…" item opens the save dialog; "Delete…" asks first; Escape
        // keeps the conversation.
        clickMenuItem(menu, row, "Export conversation");
        checkFileDialog("exportDialog", "dialog-export-conversation.png");
        clickMenuItem(menu, row, "Delete");
        checkPopup("deleteConversationDialog", "dialog-delete-conversation.png");
        QCOMPARE(m_app.controller->conversationList()->rowCount(), 1);
    }

    void saveStateDialog()
    {
        auto* button = qobject_cast<QQuickItem*>(object("saveStateButton"));
        QVERIFY(button && button->isVisible());
        rwkv::test::clickItem(m_app, button);
        QObject* dialog = nullptr;  // the reply's own, declared beside the button
        for (QQuickItem* i = button; i && !dialog; i = i->parentItem())
            dialog = i->findChild<QObject*>(QStringLiteral("saveStateDialog"), Qt::FindDirectChildrenOnly);
        QVERIFY(dialog);
        QTRY_VERIFY(dialog->property("opened").toBool());
        QVERIFY(rwkv::test::saveScreenshot(m_app, "dialog-save-state.png"));
        QTest::keyClick(m_app.window, Qt::Key_Escape);
        QTRY_VERIFY(!dialog->property("visible").toBool());
    }

    void importFromTheSidebar()
    {
        click("importButton");
        checkFileDialog("importDialog", "dialog-import.png");
    }

    void settingsPagesAndModelChooser()
    {
        QObject* settings = object("settingsDialog");
        QVERIFY(settings);
        QTest::keyClick(m_app.window, Qt::Key_Comma, Qt::ControlModifier);
        QTRY_VERIFY(settings->property("opened").toBool());
        QVERIFY(rwkv::test::saveScreenshot(m_app, "page-settings-model.png"));
        click("browseModelButton");
        checkFileDialog("modelDialog", "dialog-open-model.png");
        QVERIFY(settings->property("opened").toBool());
        // A drop-down list (Fusion's ComboBox popup, which needs QtQuick.Window), once a device
        // is picked ("auto" picks the precision too).
        QVERIFY(!rwkv::test::findItem(m_app, "precisionBox")->isEnabled());
        auto* cpu = qobject_cast<QQuickItem*>(object("device_cpu")); // a Repeater's delegate: found in the item tree
        QVERIFY(cpu);
        rwkv::test::clickItem(m_app, cpu);
        QTRY_VERIFY(rwkv::test::findItem(m_app, "precisionBox")->isEnabled());
        click("precisionBox");
        QObject* list = rwkv::test::findItem(m_app, "precisionBox")->property("popup").value<QObject*>();
        QVERIFY(list);
        QTRY_VERIFY(list->property("opened").toBool());
        QVERIFY(rwkv::test::saveScreenshot(m_app, "dialog-precision-list.png"));
        // Each precision names the chosen model's weight memory (test_app_helpers checks the numbers).
        QVERIFY(rwkv::test::findItem(m_app, "precisionBox")->property("displayText").toString().contains(QStringLiteral("weights ≈")));
        QTest::keyClick(m_app.window, Qt::Key_Escape);
        QTRY_VERIFY(!list->property("visible").toBool());
        QVERIFY(settings->property("opened").toBool());
        settings->setProperty("currentTab", 1);
        QVERIFY(rwkv::test::saveScreenshot(m_app, "page-settings-chat.png"));
        settings->setProperty("currentTab", 2);
        QVERIFY(rwkv::test::saveScreenshot(m_app, "page-settings-api.png"));
        // "Get a model" with the shipped catalog: every model listed, each with its fit label.
        settings->setProperty("currentTab", 3);
        QTRY_VERIFY(!m_app.controller->downloads()->models().isEmpty());
        QTRY_VERIFY(object("fitLabel"));
        // The smallest model fits the first GPU the worker listed in fp16, else the CPU in bf16.
        const QVariantList gpus = m_app.controller->downloads()->gpuOffers();
        const QString small = gpus.isEmpty() ? QStringLiteral("fits the CPU as bf16")
                                             : QStringLiteral("fits %1 as fp16").arg(gpus[0].toMap().value(QStringLiteral("id")).toString());
        QTRY_COMPARE(object("catalogRow-rwkv7-g1-0.1b")->findChild<QObject*>(QStringLiteral("fitLabel"))->property("text").toString(), small);
        QVERIFY(rwkv::test::saveScreenshot(m_app, "page-settings-get-model.png"));
        QTest::keyClick(m_app.window, Qt::Key_Escape);
        QTRY_VERIFY(!settings->property("visible").toBool());
    }

    void documentPageAndItsMenu()
    {
        QFile text(m_dir.filePath(QStringLiteral("notes.txt")));
        QVERIFY(text.open(QIODevice::WriteOnly));
        text.write("Fimcys Triste works as a shepherd. Lamquyr Jikeath owns a pink canoe.\n");
        text.close();
        m_app.controller->openDocument(QUrl::fromLocalFile(text.fileName()));
        QTRY_VERIFY_WITH_TIMEOUT(m_app.controller->documentId() > 0 && !m_app.controller->busy(), kModelTimeoutMs);
        QCOMPARE(m_app.controller->view(), QStringLiteral("document"));
        QVERIFY(rwkv::test::saveScreenshot(m_app, "page-document.png"));

        QObject* menu = object("documentMenu");
        QVERIFY(menu);
        QQuickItem* row = qobject_cast<QQuickItem*>(menu->parent());
        QVERIFY(row && row->isVisible());
        rwkv::test::clickItem(m_app, row, Qt::RightButton);
        checkPopup("documentMenu");

        m_app.controller->deleteDocument(m_app.controller->documentId());
        QTRY_COMPARE(m_app.controller->documents()->rowCount(), 0);
        // A document that cannot be read leaves the empty document page with its own Open… button.
        m_app.controller->openDocument(QUrl::fromLocalFile(m_dir.filePath(QStringLiteral("missing.txt"))));
        QTRY_VERIFY(!m_app.controller->busy() && !m_app.controller->errorText().isEmpty());
        QCOMPARE(m_app.controller->view(), QStringLiteral("document"));
        click("openDocumentViewButton");
        checkFileDialog("documentDialog");
    }
};

QTEST_MAIN(TestAppDialogs)
#include "test_app_dialogs.moc"
