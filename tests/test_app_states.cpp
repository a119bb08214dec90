// Saved states in the real window (Xvfb where available) with the demo model: "Save state…" on
// a reply, through its dialog (name and note), lists the state in the sidebar's "States" with its model and
// size; "New chat from this state" continues from it (greedy: the same reply as continuing the
// original conversation); a state of other weights, saved beforehand by rwkv-cli, is listed
// disabled with the reason and refused; a name in use is refused; delete removes the row; a
// state-tuning file imported becomes a state; rename.
#include "core/io/safetensors_writer.h"
#include "core/store/store.h"
#include "support/app_harness.h"
#include "support/cli_run.h"
#include "support/test_support.h"

#include <QQuickItem>
#include <QSignalSpy>
#include <QTest>

#include <cstring>
#include <string_view>

using rwkv::test::kModelTimeoutMs;
using rwkv::test::RunningApp;
using rwkv::test::waitForReply;

namespace {

constexpr int kJobTimeoutMs = 30'000;

// Visible items named `name` under `item`, depth first.
void collectVisible(QQuickItem* item, const QString& name, QList<QQuickItem*>& out)
{
    if (!item->isVisible()) return;
    if (item->objectName() == name) out.append(item);
    for (QQuickItem* child : item->childItems()) collectVisible(child, name, out);
}

} // namespace

class TestAppStates : public rwkv::test::AppWindowTest {
    Q_OBJECT

    QString file(const char* name) const { return m_dir.filePath(QString::fromLatin1(name)); }

    static void run(const QStringList& args)
    {
        const rwkv::test::CliRun r =
            rwkv::test::runCli(QString::fromStdString((rwkv::test::binDir() / "rwkv-cli").string()), args);
        QVERIFY2(r.exitCode == 0, qPrintable(args.join(QLatin1Char(0x20)) + QStringLiteral(": ") + QString::fromUtf8(r.err)));
    }

    // The row of the state named `name` in the sidebar's list, or -1.
    static int rowOf(const RunningApp& app, const QString& name)
    {
        StateListModel* list = app.controller->states()->list();
        for (int i = 0; i < list->rowCount(); ++i)
            if (list->rows()[i].name == name) return i;
        return -1;
    }

    int namedStatesStored() const
    {
        rwkv::DatabaseOptions readOnly;
        readOnly.readOnly = true;
        rwkv::Store store(file("rwkv-desktop.sqlite").toStdString(), readOnly);
        return int(store.snapshots().listNamed().size());
    }

private slots:
    void saveListContinueDelete()
    {
        // Another machine's habit: a state of other (random) weights in the same database.
        run({"make-random", "--layers", "1", "--width", "64", "--vocab", "65536", "--out", file("other.safetensors")});
        run({"state", "save", "alien", "--text", "Hello", "--model", file("other.safetensors"), "--db", file("rwkv-desktop.sqlite")});

        RunningApp app = rwkv::test::launchApp(m_dir.path());
        QVERIFY(app.window);
        QTRY_VERIFY_WITH_TIMEOUT(app.controller->modelReady(), kModelTimeoutMs);
        QTRY_VERIFY_WITH_TIMEOUT(!app.controller->busy(), kJobTimeoutMs);
        app.controller->setChatSettings({{QStringLiteral("temperature"), 0}});
        StateListModel* states = app.controller->states()->list();
        QTRY_COMPARE(states->rowCount(), 1);
        const StateRow alien = states->rows()[0];
        QCOMPARE(alien.name, QStringLiteral("alien"));
        QVERIFY(!alien.usable);
        QVERIFY2(alien.reason.contains(QStringLiteral("other weights (other.safetensors, L1 C64)")), qPrintable(alien.reason));

        QSignalSpy finished(app.controller.get(), &AppController::replyFinished);
        app.controller->send(QStringLiteral("Hello!"));
        QVERIFY(waitForReply(app, finished, 1));
        const qint64 original = app.controller->conversationId();

        // "Save state…" under the reply, a name typed into its dialog, Enter.
        QList<QQuickItem*> buttons;
        collectVisible(app.window->contentItem(), QStringLiteral("saveStateButton"), buttons);
        QCOMPARE(buttons.size(), 1);  // replies only
        rwkv::test::clickItem(app, buttons[0]);
        QObject* dialog = nullptr;  // the message's own, declared beside the button
        for (QQuickItem* i = buttons[0]; i && !dialog; i = i->parentItem())
            dialog = i->findChild<QObject*>(QStringLiteral("saveStateDialog"), Qt::FindDirectChildrenOnly);
        QVERIFY(dialog);
        QTRY_VERIFY(dialog->property("opened").toBool());
        for (const char c : std::string_view("greeting")) QTest::keyClick(app.window, c);
        QTest::keyClick(app.window, Qt::Key_Tab);  // to the note
        for (const char c : std::string_view("after hello")) QTest::keyClick(app.window, c);
        QTest::keyClick(app.window, Qt::Key_Return);
        QTRY_COMPARE_WITH_TIMEOUT(states->rowCount(), 2, kJobTimeoutMs);
        const StateRow greeting = states->rows()[rowOf(app, QStringLiteral("greeting"))];
        QVERIFY(greeting.usable);
        QCOMPARE(greeting.note, QStringLiteral("after hello"));
        QCOMPARE(greeting.modelName, QStringLiteral("rwkv7-demo-18.7m-20261123.pth"));
        QVERIFY(greeting.byteSize >= qint64(app.controller->model().value(QStringLiteral("stateBytes")).toDouble()));
        QCOMPARE(rowOf(app, QStringLiteral("greeting")), 0);  // newest first
        QTRY_VERIFY(!app.controller->busy());
        QVERIFY(rwkv::test::saveScreenshot(app, "states.png"));

        // A name in use is refused and nothing is added.
        app.controller->states()->saveMessageState(original, app.controller->messages()->rows().last().id,
                                                   QStringLiteral("greeting"));
        QTRY_VERIFY_WITH_TIMEOUT(app.controller->errorText().contains(QStringLiteral("exists")), kJobTimeoutMs);
        app.controller->dismissError();
        QCOMPARE(namedStatesStored(), 2);

        // The original conversation goes on...
        app.controller->send(QStringLiteral("What is 7 + 5?"));
        QVERIFY(waitForReply(app, finished, 2));
        const QString continued = app.controller->messages()->rows().last().text;
        QVERIFY(!continued.isEmpty());

        // ...and a new chat from the saved state gives the same reply to the same question.
        app.controller->states()->newChat(greeting.id);
        QTRY_VERIFY_WITH_TIMEOUT(app.controller->conversationId() != original && app.controller->conversationId() != 0,
                                 kJobTimeoutMs);
        QTRY_COMPARE(app.controller->conversationTitle(), QStringLiteral("greeting"));
        QVERIFY(app.controller->messages()->rows().isEmpty());
        app.controller->send(QStringLiteral("What is 7 + 5?"));
        QVERIFY(waitForReply(app, finished, 3));
        QCOMPARE(app.controller->messages()->rows().last().text, continued);

        // Other weights: refused with the reason, no conversation made.
        const int conversations = app.controller->conversationList()->rowCount();
        app.controller->states()->newChat(alien.id);
        QTRY_VERIFY_WITH_TIMEOUT(!app.controller->errorText().isEmpty(), kJobTimeoutMs);
        QVERIFY2(app.controller->errorText().contains(QStringLiteral("other weights")), qPrintable(app.controller->errorText()));
        QTRY_VERIFY(!app.controller->busy());
        QCOMPARE(app.controller->conversationList()->rowCount(), conversations);
        app.controller->dismissError();

        // Delete.
        app.controller->states()->remove(alien.id);
        QTRY_COMPARE_WITH_TIMEOUT(states->rowCount(), 1, kJobTimeoutMs);
        QCOMPARE(rowOf(app, QStringLiteral("alien")), -1);
        QCOMPARE(namedStatesStored(), 1);
    }

    // A state-tuning file through "Import…" becomes a named state of the loaded weights; one
    // tuned for another shape is refused with nothing added; renaming refuses a taken name.
    void stateTuningFileAndRename()
    {
        // The demo model's shape: 8 layers of 2 heads of 64 (a wrong one: 3 layers).
        const auto writeStateFile = [&](const char* name, int layers) {
            std::vector<rwkv::NamedTensor> tensors;
            for (int i = 0; i < layers; ++i) {
                rwkv::NamedTensor t{"blocks." + std::to_string(i) + ".att.time_state", rwkv::DType::F32, {2, 64, 64}, {}};
                std::vector<float> v(2 * 64 * 64);
                for (size_t k = 0; k < v.size(); ++k) v[k] = float(int(k % 17) - 8) / 64.0f;
                t.bytes.resize(v.size() * 4);
                std::memcpy(t.bytes.data(), v.data(), t.bytes.size());
                tensors.push_back(std::move(t));
            }
            rwkv::writeSafetensors(file(name).toStdString(), tensors);
            return QUrl::fromLocalFile(file(name));
        };
        RunningApp app = rwkv::test::launchApp(m_dir.path());
        QTRY_VERIFY_WITH_TIMEOUT(app.controller->modelReady(), kModelTimeoutMs);
        QTRY_VERIFY_WITH_TIMEOUT(!app.controller->busy(), kJobTimeoutMs);
        StateListModel* states = app.controller->states()->list();
        const int before = states->rowCount();

        app.controller->transfer()->importFile(writeStateFile("tuned.safetensors", 8));
        QTRY_COMPARE_WITH_TIMEOUT(states->rowCount(), before + 1, kJobTimeoutMs);
        const StateRow tuned = states->rows()[rowOf(app, QStringLiteral("tuned"))];
        QVERIFY(tuned.usable);
        QCOMPARE(tuned.note, QStringLiteral("state-tuning file tuned.safetensors"));
        QVERIFY(tuned.byteSize >= qint64(app.controller->model().value(QStringLiteral("stateBytes")).toDouble()));
        QTRY_VERIFY(app.controller->transfer()->notice().contains(QStringLiteral("tuned")));

        app.controller->transfer()->importFile(writeStateFile("narrow.safetensors", 3));
        QTRY_VERIFY_WITH_TIMEOUT(!app.controller->errorText().isEmpty(), kJobTimeoutMs);
        QVERIFY2(app.controller->errorText().contains(QStringLiteral("3 layers")), qPrintable(app.controller->errorText()));
        app.controller->dismissError();
        QTRY_VERIFY(!app.controller->busy());
        QCOMPARE(states->rowCount(), before + 1);

        app.controller->states()->newChat(tuned.id);
        QTRY_COMPARE_WITH_TIMEOUT(app.controller->conversationTitle(), QStringLiteral("tuned"), kJobTimeoutMs);

        app.controller->states()->rename(tuned.id, QStringLiteral("  calm tone "));
        QTRY_VERIFY_WITH_TIMEOUT(rowOf(app, QStringLiteral("calm tone")) >= 0, kJobTimeoutMs);
        QCOMPARE(rowOf(app, QStringLiteral("tuned")), -1);
        app.controller->transfer()->importFile(QUrl::fromLocalFile(file("tuned.safetensors")));
        QTRY_COMPARE_WITH_TIMEOUT(states->rowCount(), before + 2, kJobTimeoutMs);
        app.controller->states()->rename(states->rows()[rowOf(app, QStringLiteral("tuned"))].id, QStringLiteral("calm tone"));
        QTRY_VERIFY_WITH_TIMEOUT(app.controller->errorText().contains(QStringLiteral("exists")), kJobTimeoutMs);
        QVERIFY(rowOf(app, QStringLiteral("tuned")) >= 0);
        app.controller->dismissError();
    }
};

QTEST_MAIN(TestAppStates)
#include "test_app_states.moc"
