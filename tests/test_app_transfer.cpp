// Import and export in the real window (Xvfb where available): .rwkvx files made beforehand by
// rwkv-cli, as on another machine, are dropped on the window (one through Qt Quick's real
// drag-and-drop delivery to the window's DropArea, the rest through the method it calls): a
// conversation appears in the sidebar and opens; a state is kept under a name no other state
// has; a state of other weights and a truncated file are refused with the importer's message
// in the error banner and nothing written. "Export conversation…" writes .rwkvx (replacing the
// file chosen) that rwkv-cli reads back, and Markdown.
#include "core/store/store.h"
#include "support/app_harness.h"
#include "support/cli_run.h"
#include "support/test_support.h"

#include <QDropEvent>
#include <QFile>
#include <QMimeData>
#include <QTest>

using rwkv::test::kModelTimeoutMs;
using rwkv::test::RunningApp;

namespace {

constexpr int kJobTimeoutMs = 30'000;
const QString kQuestion = QStringLiteral("What is 7 + 5?");

} // namespace

class TestAppTransfer : public rwkv::test::AppWindowTest {
    Q_OBJECT

    QString file(const char* name) const { return m_dir.filePath(QString::fromLatin1(name)); }

    static rwkv::test::CliRun cli(const QStringList& args)
    {
        return rwkv::test::runCli(QString::fromStdString((rwkv::test::binDir() / "rwkv-cli").string()), args);
    }
    static void run(const QStringList& args)
    {
        const rwkv::test::CliRun r = cli(args);
        QVERIFY2(r.exitCode == 0, qPrintable(args.join(QLatin1Char(0x20)) + QStringLiteral(": ") + QString::fromUtf8(r.err)));
    }

    // The files another machine would send, made with rwkv-cli in a database of their own:
    // a conversation and a state of the demo model, a state of other (random) weights, and a
    // truncated copy of the conversation.
    void makeFiles()
    {
        const QString db = file("elsewhere.sqlite");
        run({"chat", "--db", db, "--prompt", kQuestion, "--temperature", "0", "--max-tokens", "12"});
        run({"conv", "rename", "1", "Sums", "--db", db});
        run({"conv", "export", "1", file("sums.rwkvx"), "--db", db});
        run({"state", "save", "intro", "--text", "The RWKV-7 Goose architecture is", "--note", "the intro", "--db", db});
        run({"state", "export", "intro", file("intro.rwkvx"), "--db", db});
        run({"make-random", "--layers", "1", "--width", "64", "--vocab", "65536", "--out", file("other.safetensors")});
        run({"state", "save", "alien", "--text", "Hello", "--model", file("other.safetensors"), "--db", db});
        run({"state", "export", "alien", file("alien.rwkvx"), "--db", db});
        QFile whole(file("sums.rwkvx"));
        QVERIFY(whole.open(QIODevice::ReadOnly));
        QFile cut(file("broken.rwkvx"));
        QVERIFY(cut.open(QIODevice::WriteOnly));
        cut.write(whole.read(whole.size() / 2));
    }

    // What the app's database holds, read on a connection of its own.
    struct Stored {
        int conversations = 0;
        QStringList states;  // "name: note"
    };
    Stored stored() const
    {
        rwkv::DatabaseOptions readOnly;
        readOnly.readOnly = true;
        rwkv::Store store(m_dir.filePath(QStringLiteral("rwkv-desktop.sqlite")).toStdString(), readOnly);
        Stored out;
        out.conversations = int(store.conversations().list().size());
        for (const rwkv::SnapshotInfo& s : store.snapshots().listNamed())
            out.states.append(QString::fromStdString(s.name + ": " + s.note));
        out.states.sort();
        return out;
    }

    // Drags `path` over the middle of the window and drops it, as the window system delivers
    // a drop from a file manager.
    static void dropFile(const RunningApp& app, const QString& path)
    {
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(path)});
        const QPointF at(app.window->width() / 2.0, app.window->height() / 2.0);
        QDragEnterEvent enter(at.toPoint(), Qt::CopyAction, &mime, Qt::NoButton, Qt::NoModifier);
        QCoreApplication::sendEvent(app.window, &enter);
        QVERIFY(enter.isAccepted());
        QDragMoveEvent move(at.toPoint(), Qt::CopyAction, &mime, Qt::NoButton, Qt::NoModifier);
        QCoreApplication::sendEvent(app.window, &move);
        QDropEvent drop(at, Qt::CopyAction, &mime, Qt::NoButton, Qt::NoModifier);
        QCoreApplication::sendEvent(app.window, &drop);
    }

    static void waitIdle(const RunningApp& app) { QTRY_VERIFY_WITH_TIMEOUT(!app.controller->busy(), kJobTimeoutMs); }

private slots:
    void importsDroppedFilesAndExports()
    {
        makeFiles();
        RunningApp app = rwkv::test::launchApp(m_dir.path());
        QVERIFY(app.window);
        QTRY_VERIFY_WITH_TIMEOUT(app.controller->modelReady(), kModelTimeoutMs);
        waitIdle(app);
        FileTransfer* transfer = app.controller->transfer();
        QAbstractItemModel* sidebar = app.controller->conversations();
        QCOMPARE(sidebar->rowCount(), 0);

        // A conversation dropped on the window: listed, opened, its messages shown.
        dropFile(app, file("sums.rwkvx"));
        QTRY_COMPARE_WITH_TIMEOUT(sidebar->rowCount(), 1, kJobTimeoutMs);
        QCOMPARE(sidebar->data(sidebar->index(0, 0), ConversationListModel::TitleRole).toString(), QStringLiteral("Sums"));
        const qint64 id = sidebar->data(sidebar->index(0, 0), ConversationListModel::IdRole).toLongLong();
        QTRY_COMPARE(app.controller->conversationId(), id);
        QTRY_VERIFY(!app.controller->messages()->rows().isEmpty());
        QCOMPARE(app.controller->messages()->rows().first().text, kQuestion);
        QVERIFY2(transfer->notice().startsWith(QStringLiteral("Imported a conversation: 2 messages")), qPrintable(transfer->notice()));
        QVERIFY(app.controller->errorText().isEmpty());
        waitIdle(app);
        QVERIFY(rwkv::test::saveScreenshot(app, "import.png"));

        // A state of other weights and a damaged file: the importer's message, nothing stored.
        transfer->importFile(QUrl::fromLocalFile(file("alien.rwkvx")));
        QTRY_VERIFY_WITH_TIMEOUT(!app.controller->errorText().isEmpty(), kJobTimeoutMs);
        QVERIFY2(app.controller->errorText().contains(QStringLiteral("was saved with other weights")),
                 qPrintable(app.controller->errorText()));
        QVERIFY(rwkv::test::saveScreenshot(app, "import-refused.png"));
        app.controller->dismissError();
        transfer->importFile(QUrl::fromLocalFile(file("broken.rwkvx")));
        QTRY_VERIFY_WITH_TIMEOUT(!app.controller->errorText().isEmpty(), kJobTimeoutMs);
        QVERIFY2(app.controller->errorText().contains(QStringLiteral("damaged or truncated")),
                 qPrintable(app.controller->errorText()));
        app.controller->dismissError();
        waitIdle(app);
        QVERIFY(transfer->notice().isEmpty());
        QCOMPARE(sidebar->rowCount(), 1);
        QCOMPARE(stored().conversations, 1);
        QCOMPARE(stored().states, QStringList());

        // A state of the loaded model, twice: the second is kept beside the first.
        transfer->importFile(QUrl::fromLocalFile(file("intro.rwkvx")));
        QTRY_COMPARE_WITH_TIMEOUT(transfer->notice(), QStringLiteral("Imported the state “intro”."), kJobTimeoutMs);
        transfer->importFile(QUrl::fromLocalFile(file("intro.rwkvx")));
        QTRY_COMPARE_WITH_TIMEOUT(transfer->notice(), QStringLiteral("Imported the state “intro (2)”."), kJobTimeoutMs);
        // The note made on the other machine came with it.
        QCOMPARE(stored().states, (QStringList{QStringLiteral("intro (2): the intro"), QStringLiteral("intro: the intro")}));

        // Export over a file the user chose to replace; rwkv-cli reads it back.
        QFile old(file("again.rwkvx"));
        QVERIFY(old.open(QIODevice::WriteOnly));
        old.write("an older file");
        old.close();
        transfer->exportConversation(id, QUrl::fromLocalFile(file("again.rwkvx")));
        QTRY_VERIFY_WITH_TIMEOUT(transfer->notice().startsWith(QStringLiteral("Exported to again.rwkvx (2 messages, 2 states")),
                                 kJobTimeoutMs);
        run({"conv", "import", file("again.rwkvx"), "--db", file("third.sqlite")});
        const rwkv::test::CliRun shown = cli({"conv", "show", "1", "--db", file("third.sqlite")});
        QCOMPARE(shown.exitCode, 0);
        QVERIFY2(shown.out.contains(kQuestion.toUtf8()), shown.out.constData());
        QVERIFY(!QFile::exists(file("again.rwkvx.exporting")));

        // Markdown, chosen by the name; a folder that is not there fails and writes nothing.
        transfer->exportConversation(id, QUrl::fromLocalFile(file("sums.md")));
        QTRY_VERIFY_WITH_TIMEOUT(transfer->notice().startsWith(QStringLiteral("Exported to sums.md")), kJobTimeoutMs);
        QFile markdown(file("sums.md"));
        QVERIFY(markdown.open(QIODevice::ReadOnly));
        const QByteArray text = markdown.readAll();
        QVERIFY2(text.startsWith("# Sums") && text.contains("## User") && text.contains(kQuestion.toUtf8()), text.constData());
        transfer->exportConversation(id, QUrl::fromLocalFile(file("no-such-folder/sums.rwkvx")));
        QTRY_VERIFY_WITH_TIMEOUT(!app.controller->errorText().isEmpty(), kJobTimeoutMs);
        QVERIFY(!QFile::exists(file("no-such-folder")));
    }
};

QTEST_MAIN(TestAppTransfer)
#include "test_app_transfer.moc"
