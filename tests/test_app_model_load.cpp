// The app's model loading in the real window (offscreen) with the demo model: a load that fails
// keeps the model that ran, and the window says so; the automatic strategy by default.
#include "support/app_harness.h"
#include "support/test_support.h"

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using rwkv::test::kModelTimeoutMs;
using rwkv::test::RunningApp;

class TestAppModelLoad : public rwkv::test::AppWindowTest {
    Q_OBJECT

private:
    static QList<MessageRow> rows(const RunningApp& app) { return app.controller->messages()->rows(); }

private slots:
    // A load that fails leaves the model that ran before it loaded, working and shown as loaded,
    // whether the new file is refused before the old model is freed (a text file) or after (a
    // layer split past the model's layers); the settings' "Demo model" then loads it again.
    void failedLoadKeepsTheWorkingModel()
    {
        RunningApp app = rwkv::test::launchApp(m_dir.path());
        QTRY_VERIFY_WITH_TIMEOUT(app.controller->modelReady(), kModelTimeoutMs);
        QTRY_VERIFY(!app.controller->busy());
        app.controller->setChatSettings({{QStringLiteral("temperature"), 0}});
        const QVariantMap before = app.controller->model();
        const QString name = before.value(QStringLiteral("name")).toString();
        QVERIFY(name.startsWith(QStringLiteral("rwkv7-demo")));
        QFile text(m_dir.filePath(QStringLiteral("notes-not-a-model.txt")));
        QVERIFY(text.open(QIODevice::WriteOnly));
        text.write("Shopping list: eggs, flour, milk.\n");
        text.close();
        QSignalSpy finished(app.controller.get(), &AppController::replyFinished);

        const struct {
            QString path, strategy, reason;
        } failures[] = {
            {text.fileName(), QString(), QStringLiteral("notes-not-a-model.txt")},
            {app.controller->defaultModelPath(), QStringLiteral("cpu fp32 *100 -> cpu bf16"), QStringLiteral("8 layers")},
        };
        int turns = 0;
        for (const auto& failure : failures) {
            app.controller->loadModel(failure.path, QStringLiteral("cpu"), QStringLiteral("fp32"), 0, failure.strategy);
            QTRY_VERIFY_WITH_TIMEOUT(!app.controller->busy(), kModelTimeoutMs);
            const QString error = app.controller->errorText();
            QVERIFY2(error.contains(failure.reason) && error.contains(QStringLiteral("Still using ") + name), qPrintable(error));
            QCOMPARE(app.controller->modelError(), error);
            QVERIFY(app.controller->modelReady());
            QCOMPARE(app.controller->model().value(QStringLiteral("path")), before.value(QStringLiteral("path")));
            QCOMPARE(app.controller->model().value(QStringLiteral("strategy")), before.value(QStringLiteral("strategy")));
            QVERIFY(item(app, "modelLabel")->property("text").toString().startsWith(name));
            QCOMPARE(app.controller->modelChoice().value(QStringLiteral("path")), before.value(QStringLiteral("path")));
            // and it still answers.
            app.controller->newConversation();
            app.controller->send(QStringLiteral("What is 7 + 5?"));
            QVERIFY(rwkv::test::waitForReply(app, finished, ++turns));
            QCOMPARE(rows(app).size(), 2);
            QCOMPARE(rows(app)[1].text, QStringLiteral("7 + 5 = 12."));
        }

        // The settings show the error next to the model (until dismissed or the next message);
        // "Demo model" loads the demo model again.
        app.controller->loadModel(text.fileName(), QStringLiteral("cpu"), QStringLiteral("fp32"), 0);
        QTRY_VERIFY_WITH_TIMEOUT(!app.controller->busy() && !app.controller->modelError().isEmpty(), kModelTimeoutMs);
        QObject* dialog = app.window->findChild<QObject*>(QStringLiteral("settingsDialog"));
        QVERIFY(dialog);
        QTest::keyClick(app.window, Qt::Key_Comma, Qt::ControlModifier);
        QTRY_VERIFY(dialog->property("opened").toBool());
        QTRY_VERIFY(item(app, "modelError")->isVisible());
        QVERIFY(rwkv::test::saveScreenshot(app, "settings-model-error.png"));
        QSignalSpy loaded(app.controller.get(), &AppController::modelChanged);
        rwkv::test::clickItem(app, item(app, "demoModelButton"));
        QTRY_VERIFY(app.controller->modelLoading());
        QTRY_VERIFY_WITH_TIMEOUT(app.controller->modelReady() && !app.controller->busy(), kModelTimeoutMs);
        QVERIFY(loaded.count() >= 2);  // unloaded for the load, then loaded
        QCOMPARE(app.controller->model().value(QStringLiteral("path")), before.value(QStringLiteral("path")));
        QVERIFY(app.controller->errorText().isEmpty());
        QVERIFY(!item(app, "modelError")->isVisible());
    }

    // Cancel during a load (here before its first step, so the test does not race the load):
    // the model that ran is back, with no error, and answers.
    void cancelledLoadKeepsTheModel()
    {
        RunningApp app = rwkv::test::launchApp(m_dir.path());
        QTRY_VERIFY_WITH_TIMEOUT(app.controller->modelReady() && !app.controller->busy(), kModelTimeoutMs);
        app.controller->setChatSettings({{QStringLiteral("temperature"), 0}});
        const QVariantMap before = app.controller->model();
        app.controller->loadModel(app.controller->defaultModelPath(), QStringLiteral("cpu"), QStringLiteral("q4"), 0);
        QVERIFY(app.controller->modelLoading());
        app.controller->stop();
        QTRY_VERIFY_WITH_TIMEOUT(!app.controller->busy(), kModelTimeoutMs);
        QVERIFY(app.controller->modelReady());
        QCOMPARE(app.controller->model().value(QStringLiteral("strategy")), before.value(QStringLiteral("strategy")));
        QVERIFY2(app.controller->modelError().isEmpty(), qPrintable(app.controller->modelError()));
        QVERIFY2(app.controller->errorText().isEmpty(), qPrintable(app.controller->errorText()));
        QSignalSpy finished(app.controller.get(), &AppController::replyFinished);
        app.controller->send(QStringLiteral("What is 7 + 5?"));
        QVERIFY(rwkv::test::waitForReply(app, finished, 1));
        QCOMPARE(rows(app).at(1).text, QStringLiteral("7 + 5 = 12."));
    }

    // The settings' storage line counts the conversation's states; "Free space" prunes those a
    // replay can rebuild (4 of 6 turns' here), and the conversation still continues.
    void freeSpacePrunesStates()
    {
        QTemporaryDir dir;
        RunningApp app = rwkv::test::launchApp(dir.path());
        QTRY_VERIFY_WITH_TIMEOUT(app.controller->modelReady() && !app.controller->busy(), kModelTimeoutMs);
        app.controller->setChatSettings({{QStringLiteral("temperature"), 0}, {QStringLiteral("maxTokens"), 16}});
        QSignalSpy finished(app.controller.get(), &AppController::replyFinished);
        for (int i = 1; i <= 6; ++i) {
            app.controller->send(QStringLiteral("What is %1 + 5?").arg(i));
            QVERIFY(rwkv::test::waitForReply(app, finished, i));
        }
        QTest::keyClick(app.window, Qt::Key_Comma, Qt::ControlModifier);
        QObject* dialog = app.window->findChild<QObject*>(QStringLiteral("settingsDialog"));
        QTRY_VERIFY(dialog && dialog->property("opened").toBool());
        dialog->setProperty("currentTab", 1);
        StoreUpkeep* storage = app.controller->storage();
        QTRY_COMPARE(storage->use().value(QStringLiteral("replyStates")).toInt(), 7); // the root's and 6 replies'
        const double before = storage->use().value(QStringLiteral("replyStateBytes")).toDouble();
        QTRY_VERIFY(item(app, "storageLine")->property("text").toString().contains(QStringLiteral("7 conversation states")));
        // Disabled while the app is busy (the storage line's own count is a job): a click then is lost.
        QTRY_VERIFY_WITH_TIMEOUT(item(app, "freeSpaceButton")->isEnabled(), kModelTimeoutMs);
        rwkv::test::clickItem(app, item(app, "freeSpaceButton"));
        // Pruning and VACUUM (fsyncs): seconds when the machine is busy.
        QTRY_COMPARE_WITH_TIMEOUT(storage->freed().value(QStringLiteral("states")).toInt(), 4, kModelTimeoutMs); // turns 1, 2, 3, 5
        QTRY_COMPARE_WITH_TIMEOUT(storage->use().value(QStringLiteral("replyStates")).toInt(), 3, kModelTimeoutMs);
        QVERIFY(storage->use().value(QStringLiteral("replyStateBytes")).toDouble() < before);
        QTRY_VERIFY(item(app, "freedLine")->property("text").toString().startsWith(QStringLiteral("Freed 4 states")));
        QVERIFY(rwkv::test::saveScreenshot(app, "settings-storage.png"));
        QTest::keyClick(app.window, Qt::Key_Escape);
        app.controller->send(QStringLiteral("What is 7 + 5?"));
        QVERIFY(rwkv::test::waitForReply(app, finished, 7));
        QCOMPARE(rows(app).last().text, QStringLiteral("7 + 5 = 12."));
    }

    // "Automatic" is the default device: the first start measures the devices that fit and
    // says in the settings what it picked and why; the next start reuses the measurement.
    void automaticStrategyByDefault()
    {
        QTemporaryDir dir;
        for (const char* expected : {"decoded fastest", "measured on an earlier load"}) {
            RunningApp app = rwkv::test::launchApp(dir.path());
            QTRY_VERIFY_WITH_TIMEOUT(app.controller->modelReady() && !app.controller->busy(), kModelTimeoutMs);
            QCOMPARE(app.controller->modelChoice().value(QStringLiteral("deviceId")).toString(), QStringLiteral("auto"));
            const QString reason = app.controller->model().value(QStringLiteral("strategyReason")).toString();
            const QString strategy = app.controller->model().value(QStringLiteral("strategy")).toString();
            // Without a GPU there is nothing to measure: the CPU is the only candidate.
            const bool onlyCpu = reason.contains(QStringLiteral("no GPU"));
            QVERIFY2(onlyCpu || reason.contains(QLatin1String(expected)), qPrintable(reason));
            QVERIFY2(reason.startsWith(strategy) || onlyCpu, qPrintable(reason));
            QVERIFY(QFile::exists(dir.filePath(QStringLiteral("strategy-choices.json"))) || onlyCpu);
            QTest::keyClick(app.window, Qt::Key_Comma, Qt::ControlModifier);
            QTRY_VERIFY(item(app, "strategyReason")->isVisible());
            QVERIFY(item(app, "strategyReason")->property("text").toString().contains(reason));
            QVERIFY(!item(app, "precisionBox")->isEnabled());
            if (QLatin1String(expected) == QLatin1String("decoded fastest"))
                QVERIFY(rwkv::test::saveScreenshot(app, "settings-automatic-strategy.png"));
        }
    }
};

QTEST_MAIN(TestAppModelLoad)
#include "test_app_model_load.moc"
