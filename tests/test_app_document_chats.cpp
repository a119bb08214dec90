// Documents and chats meet in the real window (Xvfb where available), with the demo model:
// "Chat about this document" opens a conversation whose first message is the document and
// answers the first question as the document view does (greedy); a document read into that
// chat shows its progress in the chat, can be cancelled leaving the chat as it was, and then
// appears as a message with its token count; a document read with no chat open starts one.
#include "support/app_harness.h"
#include "support/test_support.h"

#include <QFile>
#include <QQuickItem>
#include <QSignalSpy>
#include <QTest>

#include <nlohmann/json.hpp>

#include <fstream>

using rwkv::test::kModelTimeoutMs;
using rwkv::test::RunningApp;
using rwkv::test::typeAndSend;
using rwkv::test::waitForReply;

namespace {

constexpr int kJobTimeoutMs = 60'000;

// The visible item named `name` anywhere in the window, or null.
QQuickItem* visibleItem(const RunningApp& app, const QString& name)
{
    for (QQuickItem* i : app.window->findChildren<QQuickItem*>(name))
        if (i->isVisible()) return i;
    return nullptr;
}

} // namespace

class TestAppDocumentChats : public rwkv::test::AppWindowTest {
    Q_OBJECT

    QString writeFile(const char* name, const QByteArray& bytes) const
    {
        QFile f(m_dir.filePath(QString::fromLatin1(name)));
        if (!f.open(QIODevice::WriteOnly)) return {};
        f.write(bytes);
        return f.fileName();
    }

private slots:
    void chatAboutADocumentThenReadAnother()
    {
        std::ifstream in(rwkv::test::dataDir() / "rwkv7-demo-18.7m-20261123.verify.json");
        const nlohmann::json item = nlohmann::json::parse(in).at("qa10").at("items")[3];
        const QString facts = writeFile("facts.txt", QByteArray::fromStdString(item.at("document").get<std::string>()));
        const QString question = QString::fromStdString(item.at("question").get<std::string>());

        RunningApp app = rwkv::test::launchApp(m_dir.path());
        QTRY_VERIFY_WITH_TIMEOUT(app.controller->modelReady(), kModelTimeoutMs);
        QTRY_VERIFY_WITH_TIMEOUT(!app.controller->busy(), kJobTimeoutMs);
        app.controller->setChatSettings({{QStringLiteral("temperature"), 0}});
        QSignalSpy finished(app.controller.get(), &AppController::replyFinished);

        // The document view's answer, from a copy of the document's state.
        app.controller->openDocument(QUrl::fromLocalFile(facts));
        QTRY_VERIFY_WITH_TIMEOUT(app.controller->documentId() > 0, kJobTimeoutMs);
        typeAndSend(app, "documentComposer", question);
        QVERIFY(waitForReply(app, finished, 1));
        const QString answer = app.controller->answers()->rows().value(1).text;
        QVERIFY(!answer.isEmpty());

        // "Chat about this document": the document first, then the same answer as a chat turn.
        QTRY_VERIFY(visibleItem(app, QStringLiteral("chatAboutDocumentButton")));
        QQuickItem* chatButton = visibleItem(app, QStringLiteral("chatAboutDocumentButton"));
        QTRY_VERIFY2(chatButton->isEnabled(), qPrintable(QStringLiteral("busy %1").arg(app.controller->busy())));
        rwkv::test::clickItem(app, chatButton);
        QTRY_COMPARE_WITH_TIMEOUT(app.controller->messages()->rowCount(), 1, kJobTimeoutMs);
        QCOMPARE(app.controller->view(), QStringLiteral("chat"));
        const qint64 conversation = app.controller->conversationId();
        QVERIFY(conversation > 0);
        const MessageRow doc = app.controller->messages()->rows()[0];
        QCOMPARE(doc.author, QStringLiteral("document"));
        QVERIFY2(doc.text.contains(QStringLiteral("facts.txt")) && doc.text.contains(QStringLiteral("tokens read")),
                 qPrintable(doc.text));
        app.controller->setChatSettings({{QStringLiteral("temperature"), 0}});
        typeAndSend(app, "chatComposer", question);
        QVERIFY(waitForReply(app, finished, 2));
        QCOMPARE(app.controller->messages()->rowCount(), 3);
        QCOMPARE(app.controller->messages()->rows()[2].text, answer);

        // A long file read into the chat: progress in the chat, then Cancel leaves it as it was.
        QByteArray longText;
        for (int i = 0; i < 4000; ++i) longText += "Line " + QByteArray::number(i) + ": the ferry leaves at dawn.\n";
        app.controller->readIntoChat(QUrl::fromLocalFile(writeFile("timetable.txt", longText)));
        QTRY_VERIFY_WITH_TIMEOUT(app.controller->ingest().value(QStringLiteral("tokensDone")).toDouble() > 0, kJobTimeoutMs);
        QTRY_VERIFY(visibleItem(app, QStringLiteral("ingestStatus")));
        QVERIFY(rwkv::test::saveScreenshot(app, "chat-reading-document.png"));
        app.controller->stop();
        QTRY_VERIFY_WITH_TIMEOUT(!app.controller->busy(), kJobTimeoutMs);
        QCOMPARE(app.controller->messages()->rowCount(), 3);
        QCOMPARE(app.controller->conversationId(), conversation);

        // A short one is read to the end and shows after the reply.
        app.controller->readIntoChat(QUrl::fromLocalFile(writeFile("hours.md", "The library opens at nine.\n")));
        QTRY_COMPARE_WITH_TIMEOUT(app.controller->messages()->rowCount(), 4, kJobTimeoutMs);
        QTRY_VERIFY_WITH_TIMEOUT(!app.controller->busy(), kJobTimeoutMs);
        QCOMPARE(app.controller->messages()->rows()[3].author, QStringLiteral("document"));
        QVERIFY(app.controller->messages()->rows()[3].text.contains(QStringLiteral("hours.md")));
        QVERIFY(!visibleItem(app, QStringLiteral("ingestStatus")));
        QVERIFY(rwkv::test::saveScreenshot(app, "chat-about-document.png"));

        // With no chat open, reading a document starts one.
        app.controller->newConversation();
        app.controller->readIntoChat(QUrl::fromLocalFile(facts));
        QTRY_COMPARE_WITH_TIMEOUT(app.controller->messages()->rowCount(), 1, kJobTimeoutMs);
        QVERIFY(app.controller->conversationId() > conversation);
        QCOMPARE(app.controller->messages()->rows()[0].author, QStringLiteral("document"));
    }
};

QTEST_MAIN(TestAppDocumentChats)
#include "test_app_document_chats.moc"
