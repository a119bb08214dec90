// The real window (offscreen platform, software renderer) with the demo model: typing and
// sending a message streams tokens into the chat, the meters move, the turn is in the database;
// regenerate, edit-and-resend, branch switching and Stop; a second app on the same database
// reopens the conversation from its snapshot without replaying it; documents show reading
// progress and answer questions. Screenshots of the main screens go to build/screenshots/.
#include "core/prompt_format.h"
#include "core/store/store.h"
#include "core/tokenizer/tokenizer_factory.h"
#include "support/app_harness.h"
#include "support/test_support.h"

#include <QClipboard>
#include <QDir>
#include <QFile>
#include <QPalette>
#include <QPdfWriter>
#include <QPainter>
#include <QQuickItem>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using rwkv::test::kModelTimeoutMs;
using rwkv::test::RunningApp;
using rwkv::test::typeAndSend;
using rwkv::test::waitForReply;

namespace {

constexpr int kReplyTimeoutMs = 60'000;

} // namespace

class TestAppWindow : public rwkv::test::AppWindowTest {
    Q_OBJECT

private:
    qint64 m_conversation = 0;

    QString databasePath() const { return m_dir.filePath(QStringLiteral("rwkv-desktop.sqlite")); }

    RunningApp launch() { return rwkv::test::launchApp(m_dir.path()); }


    static void screenshot(const RunningApp& app, const char* name, const QRectF& crop = {})
    {
        QVERIFY(rwkv::test::saveScreenshot(app, name, crop));
    }

    QList<MessageRow> rows(const RunningApp& app) const { return app.controller->messages()->rows(); }

private slots:
    void wholeTurnThroughTheWindow()
    {
        RunningApp app = launch();
        QVERIFY(app.window);
        QTRY_VERIFY_WITH_TIMEOUT(app.controller->modelReady(), kModelTimeoutMs);
        QTRY_VERIFY(!app.controller->busy());
        QVERIFY(app.controller->devices()->indexOf(QStringLiteral("cpu")) >= 0);
        app.controller->setChatSettings({{QStringLiteral("temperature"), 0}});

        // Tokens reach the streaming row before the turn is stored.
        bool sawStreamedText = false;
        MessageListModel* messages = app.controller->messages();
        connect(messages, &QAbstractItemModel::dataChanged, this, [&](const QModelIndex& index) {
            if (messages->data(index, MessageListModel::StreamingRole).toBool()
                && !messages->data(index, MessageListModel::TextRole).toString().isEmpty())
                sawStreamedText = true;
        });
        QSignalSpy finished(app.controller.get(), &AppController::replyFinished);
        const double samplesBefore = app.controller->meters()->rowCount();
        typeAndSend(app, "chatComposer", QStringLiteral("Hello!"));
        QVERIFY(waitForReply(app, finished, 1));
        QVERIFY(sawStreamedText);
        QCOMPARE(rows(app).size(), 2);
        QCOMPARE(rows(app)[0].text, QStringLiteral("Hello!"));
        QCOMPARE(rows(app)[1].text, QStringLiteral("Hello! How can I help you today?"));
        QVERIFY(rows(app)[1].id > 0);

        // The meters moved: speeds of this turn, memory, a new plotted sample with its speed.
        MetersModel* meters = app.controller->meters();
        QVERIFY(meters->prefillTps() > 0);
        QVERIFY(meters->decodeTps() > 0);
        QVERIFY(meters->memoryBytes() > 0);
        QVERIFY(meters->stateBytes() > 0);
        QVERIFY(meters->rowCount() > samplesBefore);
        QVERIFY(meters->maximum(QStringLiteral("decode")) > 0);
        QVERIFY(item(app, "decodeValue")->property("text").toString().endsWith(QStringLiteral("tok/s")));

        // The turn is in the database, with the snapshot of its state.
        m_conversation = app.controller->conversationId();
        QVERIFY(m_conversation > 0);
        {
            rwkv::Store store(databasePath().toStdString());
            QCOMPARE(store.conversations().list().size(), size_t(1));
            QCOMPARE(store.conversations().messages(m_conversation).size(), size_t(3));
            QVERIFY(!store.snapshots().forMessage(rows(app)[1].id).empty());
        }
        QCOMPARE(app.controller->conversationTitle(), QStringLiteral("Hello!"));

        typeAndSend(app, "chatComposer", QStringLiteral("What is 7 + 5?"));
        QVERIFY(waitForReply(app, finished, 2));
        QCOMPARE(rows(app)[3].text, QStringLiteral("7 + 5 = 12."));

        // Regenerate the last reply: a sibling (greedy, so the same text); then switch back.
        app.controller->regenerate(rows(app)[3].id);
        QVERIFY(waitForReply(app, finished, 3));
        QCOMPARE(rows(app).size(), 4);
        QCOMPARE(rows(app)[3].siblingIds.size(), 2);
        QCOMPARE(rows(app)[3].branchIndex, 1);
        app.controller->switchBranch(3, -1);
        QTRY_COMPARE(rows(app)[3].branchIndex, 0);

        // Regenerate with three alternatives (Settings → Chat): decoded together, three more
        // siblings, the first shown (greedy: the same text again).
        app.controller->setChatSettings({{QStringLiteral("temperature"), 0}, {QStringLiteral("alternatives"), 3}});
        app.controller->regenerate(rows(app)[3].id);
        QVERIFY(waitForReply(app, finished, 4));
        QCOMPARE(rows(app)[3].siblingIds.size(), 5);
        QCOMPARE(rows(app)[3].branchIndex, 2);
        QCOMPARE(rows(app)[3].text, QStringLiteral("7 + 5 = 12."));
        app.controller->setChatSettings({{QStringLiteral("temperature"), 0}});
        app.controller->switchBranch(3, 2);
        QTRY_COMPARE(rows(app)[3].branchIndex, 4);
        QCOMPARE(rows(app)[3].text, QStringLiteral("7 + 5 = 12."));

        // Edit the second question into a new branch.
        app.controller->editAndResend(rows(app)[2].id, QStringLiteral("What is the capital of Neathria?"));
        QVERIFY(waitForReply(app, finished, 5));
        QCOMPARE(rows(app)[2].text, QStringLiteral("What is the capital of Neathria?"));
        QCOMPARE(rows(app)[2].branchIndex, 1);
        QCOMPARE(rows(app)[2].siblingIds.size(), 2);
        QCOMPARE(rows(app)[3].text, QStringLiteral("The capital of Neathria is Mainmoor."));
        screenshot(app, "chat.png");

        // Stop at once (a long echo would take a while): the cut reply is stored and the
        // conversation continues normally.
        typeAndSend(app, "chatComposer",
                    QStringLiteral("Repeat after me: the green owl sings near the river, the grey fox sleeps under the old "
                                   "oak, the small boat drifts past the mill and the bells ring over the quiet town."));
        app.controller->stop();
        QVERIFY(waitForReply(app, finished, 6));
        QVERIFY(app.controller->lastTurn().value(QStringLiteral("cancelled")).toBool());
        QCOMPARE(rows(app).size(), 6);
        typeAndSend(app, "chatComposer", QStringLiteral("Thank you!"));
        QVERIFY(waitForReply(app, finished, 7));
        QCOMPARE(rows(app).size(), 8);
        QVERIFY(!rows(app)[7].text.trimmed().isEmpty());

        app.window->close();
        QVERIFY(app.settings->value(QStringLiteral("window/geometry")).toRect().width() >= 760);
        QCOMPARE(app.settings->value(QStringLiteral("chat/lastConversation")).toLongLong(), m_conversation);
    }

    void restartRestoresWithoutReplay()
    {
        QVERIFY(m_conversation > 0);
        RunningApp app = launch();
        QTRY_VERIFY_WITH_TIMEOUT(app.controller->modelReady(), kModelTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(app.controller->conversationId(), m_conversation, kReplyTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(rows(app).size(), 8, kReplyTimeoutMs);
        QTRY_VERIFY(app.controller->resumeNs() >= 0);
        QVERIFY(app.controller->restoreError().isEmpty());
        QCOMPARE(app.controller->chatSettings().value(QStringLiteral("temperature")).toDouble(), 0.0);
        screenshot(app, "chat-resumed.png");

        // Only this turn's prompt is fed: the history came back as a state, not as text.
        QSignalSpy finished(app.controller.get(), &AppController::replyFinished);
        typeAndSend(app, "chatComposer", QStringLiteral("What is 7 + 5?"));
        QVERIFY(waitForReply(app, finished, 1));
        const auto tokenizer = rwkv::tokenizerForVocab(65536, rwkv::test::shareDir() / "vocab");
        const double promptTokens = double(tokenizer->encode(rwkv::chatPrompt("What is 7 + 5?")).size());
        QCOMPARE(app.controller->lastTurn().value(QStringLiteral("promptTokens")).toDouble(), promptTokens);
        QCOMPARE(rows(app).size(), 10);

        // A few more turns, a second apart, so the meters' plots have something to show.
        const char* more[] = {"Who are you?", "Tell me a joke.", "What is 7 + 5?", "Thank you!"};
        int turns = 1;
        for (const char* text : more) {
            QTest::qWait(1200);
            typeAndSend(app, "chatComposer", QString::fromLatin1(text));
            QVERIFY(waitForReply(app, finished, ++turns));
        }
        screenshot(app, "chat-long.png");
        screenshot(app, "meters.png", item(app, "metersPanel")->mapRectToScene(item(app, "metersPanel")->boundingRect()));
    }

    void sidebarAndModelErrors()
    {
        RunningApp app = launch();
        QTRY_VERIFY_WITH_TIMEOUT(app.controller->modelReady(), kModelTimeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(app.controller->conversationId(), m_conversation, kReplyTimeoutMs);
        QAbstractItemModel* list = app.controller->conversations();

        app.controller->renameConversation(m_conversation, QStringLiteral("Greetings"));
        QTRY_COMPARE(app.controller->conversationTitle(), QStringLiteral("Greetings"));
        app.controller->setSearchText(QStringLiteral("GREET"));  // searched off the UI thread
        QTRY_COMPARE(list->rowCount(), 1);
        app.controller->setSearchText(QStringLiteral("nothing like it"));
        QTRY_COMPARE(list->rowCount(), 0);
        app.controller->setSearchText(QString());
        QCOMPARE(list->rowCount(), 1);

        // A new chat becomes a conversation with its first turn, listed first.
        app.controller->newConversation();
        QCOMPARE(app.controller->conversationId(), qint64(0));
        QCOMPARE(app.controller->messages()->rowCount(), 0);
        QSignalSpy finished(app.controller.get(), &AppController::replyFinished);
        app.controller->send(QStringLiteral("What does this **Python** print?\n```python\nprint(7 + 5)\n```"));
        QVERIFY(waitForReply(app, finished, 1));
        const QVariantList segments =
            app.controller->messages()->data(app.controller->messages()->index(0), MessageListModel::SegmentsRole).toList();
        QCOMPARE(segments.size(), 2);
        QCOMPARE(segments[1].toMap().value(QStringLiteral("text")).toString(), QStringLiteral("print(7 + 5)"));
        screenshot(app, "chat-markdown.png");
        const qint64 second = app.controller->conversationId();
        QVERIFY(second > 0 && second != m_conversation);
        QTRY_COMPARE(list->rowCount(), 2);
        QCOMPARE(list->data(list->index(0, 0), ConversationListModel::IdRole).toLongLong(), second);

        app.controller->openConversation(m_conversation);
        QTRY_VERIFY_WITH_TIMEOUT(app.controller->resumeNs() >= 0 && app.controller->messages()->rowCount() > 2,
                                 kReplyTimeoutMs);
        app.controller->deleteConversation(second);
        QTRY_COMPARE(list->rowCount(), 1);
        QCOMPARE(app.controller->conversationId(), m_conversation);

        // A file that is not a model: an error to read, the model kept, and the last good choice kept.
        const QString bad = m_dir.filePath(QStringLiteral("not-a-model.pth"));
        QFile file(bad);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("definitely not a checkpoint");
        file.close();
        app.controller->loadModel(bad, QStringLiteral("cpu"), QStringLiteral("fp32"), 0);
        QTRY_VERIFY_WITH_TIMEOUT(!app.controller->errorText().isEmpty(), kReplyTimeoutMs);
        QVERIFY(app.controller->errorText().contains(QStringLiteral("not-a-model.pth")));
        QVERIFY(app.controller->modelReady());
        QVERIFY(app.controller->modelChoice().value(QStringLiteral("path")).toString().endsWith(QStringLiteral(".pth")));
        QVERIFY(!app.controller->modelChoice().value(QStringLiteral("path")).toString().contains(QStringLiteral("not-a-model")));
        screenshot(app, "error.png");
        app.controller->loadModel(app.controller->defaultModelPath(), QStringLiteral("cpu"), QStringLiteral("bf16"), 1);
        QTRY_VERIFY_WITH_TIMEOUT(app.controller->modelReady(), kModelTimeoutMs);
        QCOMPARE(app.controller->model().value(QStringLiteral("strategy")).toString(), QStringLiteral("cpu bf16"));
        app.controller->dismissError();
        // A layer split typed as a strategy overrides device and precision, and is remembered.
        app.controller->loadModel(app.controller->defaultModelPath(), QStringLiteral("cpu"), QStringLiteral("bf16"), 1,
                                  QStringLiteral(" cpu fp32 *3 -> cpu bf16 "));
        QTRY_VERIFY_WITH_TIMEOUT(app.controller->modelReady(), kModelTimeoutMs);
        QCOMPARE(app.controller->model().value(QStringLiteral("strategy")).toString(), QStringLiteral("cpu fp32 *3 -> cpu bf16"));
        QCOMPARE(app.controller->modelChoice().value(QStringLiteral("strategy")).toString(), QStringLiteral("cpu fp32 *3 -> cpu bf16"));
        app.controller->loadModel(app.controller->defaultModelPath(), QStringLiteral("cpu"), QStringLiteral("bf16"), 1);
        QTRY_VERIFY_WITH_TIMEOUT(app.controller->modelReady(), kModelTimeoutMs);
        QCOMPARE(app.controller->modelChoice().value(QStringLiteral("strategy")).toString(), QString());
        QTRY_VERIFY_WITH_TIMEOUT(app.controller->messages()->rowCount() > 2, kReplyTimeoutMs);
    }

    void documentsShowProgressAndAnswer()
    {
        RunningApp app = launch();
        QTRY_VERIFY_WITH_TIMEOUT(app.controller->modelReady(), kModelTimeoutMs);
        QTRY_VERIFY(!app.controller->busy());

        // A long document: progress with a rate and time left, then Cancel.
        QFile big(m_dir.filePath(QStringLiteral("long-report.txt")));
        QVERIFY(big.open(QIODevice::WriteOnly));
        for (int i = 0; i < 6000; ++i)
            big.write(QStringLiteral("Line %1: the quarterly report lists the river Tisk, the city of Mainmoor and %2 owls.\n")
                          .arg(i).arg(i * 7).toUtf8());
        big.close();
        app.controller->openDocument(QUrl::fromLocalFile(big.fileName()));
        QTRY_VERIFY_WITH_TIMEOUT(app.controller->ingest().value(QStringLiteral("tokensDone")).toDouble() > 0, kReplyTimeoutMs);
        QVERIFY(app.controller->ingesting());
        QTRY_VERIFY(item(app, "ingestStatus")->property("text").toString().contains(QStringLiteral("left")));
        screenshot(app, "document-reading.png");
        app.controller->stop();
        QTRY_VERIFY_WITH_TIMEOUT(!app.controller->ingesting(), kReplyTimeoutMs);
        QCOMPARE(app.controller->documents()->rowCount(), 0);
        QCOMPARE(app.controller->view(), QStringLiteral("chat"));

        // A PDF with a few facts: read once, then asked through the window.
        const QString pdfPath = m_dir.filePath(QStringLiteral("facts.pdf"));
        {
            QPdfWriter pdf(pdfPath);
            QPainter painter(&pdf);
            painter.setFont(QFont(QStringLiteral("DejaVu Sans"), 11));
            painter.drawText(QRect(0, 0, pdf.width(), pdf.height()), Qt::TextWordWrap,
                             QStringLiteral("Zonzouk Traislyl was born in 1984. Zonzouk Traislyl wrote a book called The "
                                            "Broken Island. Stustdar Naibru is 74 years old. Lamquyr Jikeath's favorite "
                                            "color is golden. Fimcys Triste works as a shepherd. Lamquyr Jikeath owns a "
                                            "pink canoe. Fimcys Triste is 74 years old."));
        }
        app.controller->openDocument(QUrl::fromLocalFile(pdfPath));
        QTRY_VERIFY_WITH_TIMEOUT(app.controller->documentId() > 0, kReplyTimeoutMs);
        QCOMPARE(app.controller->documentName(), QStringLiteral("facts.pdf"));
        QVERIFY(app.controller->documentTokens() > 10);
        QSignalSpy finished(app.controller.get(), &AppController::replyFinished);
        app.controller->setChatSettings({{QStringLiteral("temperature"), 0}});
        typeAndSend(app, "documentComposer", QStringLiteral("What does Lamquyr Jikeath own?"));
        QVERIFY(waitForReply(app, finished, 1));
        QCOMPARE(app.controller->answers()->rowCount(), 2);
        const QString answer = app.controller->answers()->rows()[1].text;
        QVERIFY2(answer.contains(QStringLiteral("pink canoe")), qPrintable(answer));
        typeAndSend(app, "documentComposer", QStringLiteral("What does Fimcys Triste work as?"));
        QVERIFY(waitForReply(app, finished, 2));
        QCOMPARE(app.controller->answers()->rowCount(), 4);
        screenshot(app, "document-answers.png");

        // Answers have Copy and Regenerate like chat replies; Regenerate asks the question again.
        QObject* list = item(app, "answerList");
        const auto button = [&](int row, const char* name) -> QQuickItem* {
            QQuickItem* delegate = nullptr;
            QMetaObject::invokeMethod(list, "itemAtIndex", Q_RETURN_ARG(QQuickItem*, delegate), Q_ARG(int, row));
            return delegate ? delegate->findChild<QQuickItem*>(QString::fromLatin1(name)) : nullptr;
        };
        QVERIFY(button(1, "copyButton") && button(1, "copyButton")->isVisible());
        QVERIFY(!button(0, "copyButton")->isVisible());  // not on the questions
        rwkv::test::clickItem(app, button(1, "copyButton"));
        QTRY_COMPARE(QGuiApplication::clipboard()->text(), answer);
        QVERIFY(button(1, "regenerateButton")->isVisible());
        rwkv::test::clickItem(app, button(1, "regenerateButton"));
        QVERIFY(waitForReply(app, finished, 3));
        const QList<MessageRow> answers = app.controller->answers()->rows();
        QCOMPARE(answers.size(), 4);
        QCOMPARE(answers[0].text, QStringLiteral("What does Fimcys Triste work as?"));
        QCOMPARE(answers[2].text, QStringLiteral("What does Lamquyr Jikeath own?"));
        QCOMPARE(answers[3].text, answer);  // greedy: the same answer again
    }

    void settingsScreens()
    {
        RunningApp app = launch();
        QTRY_VERIFY_WITH_TIMEOUT(app.controller->modelReady(), kModelTimeoutMs);
        QTRY_VERIFY(!app.controller->busy());
        QObject* dialog = app.window->findChild<QObject*>(QStringLiteral("settingsDialog"));
        QVERIFY(dialog);
        QTest::keyClick(app.window, Qt::Key_Comma, Qt::ControlModifier);
        QTRY_VERIFY(dialog->property("opened").toBool());
        screenshot(app, "settings-model.png");
        dialog->setProperty("currentTab", 1);
        screenshot(app, "settings-chat.png");
        dialog->setProperty("currentTab", 2);
        screenshot(app, "settings-api.png");
        QMetaObject::invokeMethod(dialog, "close");
        QTRY_VERIFY(!dialog->property("visible").toBool());
        QCOMPARE(app.controller->recentModels().size(), 1);
    }

    // A dark desktop palette gives a dark window (Fusion style, colours from the palette).
    void followsADarkPalette()
    {
        const QPalette light = QGuiApplication::palette();
        QPalette dark;
        dark.setColor(QPalette::Window, QColor(0x2b, 0x2d, 0x31));
        dark.setColor(QPalette::WindowText, QColor(0xe6, 0xe6, 0xe6));
        dark.setColor(QPalette::Base, QColor(0x1e, 0x1f, 0x22));
        dark.setColor(QPalette::AlternateBase, QColor(0x2b, 0x2d, 0x31));
        dark.setColor(QPalette::Text, QColor(0xe6, 0xe6, 0xe6));
        dark.setColor(QPalette::Button, QColor(0x3a, 0x3d, 0x42));
        dark.setColor(QPalette::ButtonText, QColor(0xe6, 0xe6, 0xe6));
        dark.setColor(QPalette::Highlight, QColor(0x2f, 0x6f, 0xdf));
        dark.setColor(QPalette::HighlightedText, Qt::white);
        dark.setColor(QPalette::PlaceholderText, QColor(0x90, 0x90, 0x90));
        dark.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0x80, 0x80, 0x80));
        dark.setColor(QPalette::Disabled, QPalette::WindowText, QColor(0x80, 0x80, 0x80));
        dark.setColor(QPalette::Disabled, QPalette::Text, QColor(0x80, 0x80, 0x80));
        QGuiApplication::setPalette(dark);
        {
            RunningApp app = launch();
            QTRY_VERIFY_WITH_TIMEOUT(app.controller->modelReady(), kModelTimeoutMs);
            QTRY_VERIFY_WITH_TIMEOUT(app.controller->messages()->rowCount() > 2, kReplyTimeoutMs);
            QTRY_VERIFY(!app.controller->busy());
            screenshot(app, "chat-dark.png");
            // The sidebar's empty area, below the conversations.
            const QImage image = app.window->grabWindow();
            QVERIFY(QColor(image.pixel(120, 600)).lightnessF() < 0.5);
        }
        QGuiApplication::setPalette(light);
    }
};

QTEST_MAIN(TestAppWindow)
#include "test_app_window.moc"
