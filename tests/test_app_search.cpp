// The sidebar's search in the real window (offscreen): text typed into the search box finds a
// conversation by the text of one of its messages and shows the line that matched under its
// title; documents are filtered by name; changing the text many times while a search runs
// runs only the latest one; a deleted conversation leaves the results; Esc lists everything.
// The database is made beforehand through the store, as an earlier session would have left it.
#include "core/checkpoint.h"
#include "core/store/store.h"
#include "helpers/kill_writer_state.h"
#include "support/app_harness.h"

#include <QSignalSpy>
#include <QTest>

#include <string_view>

using rwkv::test::RunningApp;

namespace {

constexpr int kListTimeoutMs = 30'000;
constexpr int kOtherConversations = 30;

// Visible items named `name` under `item`, depth first.
void collectVisible(QQuickItem* item, const QString& name, QList<QQuickItem*>& out)
{
    if (!item->isVisible()) return;
    if (item->objectName() == name) out.append(item);
    for (QQuickItem* child : item->childItems()) collectVisible(child, name, out);
}

} // namespace

class TestAppSearch : public rwkv::test::AppWindowTest {
    Q_OBJECT

    qint64 m_bread = 0;

    void makeDatabase()
    {
        rwkv::Store store(m_dir.filePath(QStringLiteral("rwkv-desktop.sqlite")).toStdString());
        rwkv::ConversationStore& c = store.conversations();
        for (int i = 0; i < kOtherConversations; ++i) {
            const int64_t id = c.create("Chat " + std::to_string(i), {});
            const int64_t root = c.addMessage(id, std::nullopt, rwkv::MessageRole::System, "");
            c.setCurrentMessage(id, c.addMessage(id, root, rwkv::MessageRole::User, "Hello there, how are you?"));
        }
        m_bread = c.create("Weekend", {});
        int64_t at = c.addMessage(m_bread, std::nullopt, rwkv::MessageRole::System, "");
        at = c.addMessage(m_bread, at, rwkv::MessageRole::User, "Where can I buy fresh sourdough bread?");
        at = c.addMessage(m_bread, at, rwkv::MessageRole::Assistant, "Try the bakery on <Elm> Street & co.\nIt opens at 7.");
        c.setCurrentMessage(m_bread, at);

        const rwkv::State state = rwkv::test::killWriterState("document");
        store.snapshots().registerModel(state.weightsFingerprint(), "test-model", state.config());
        rwkv::DocumentRecord d;
        d.name = "sourdough-starter.md";
        d.contentHash = std::string(32, 'b');
        d.byteSize = 1000;
        d.tokenCount = 250;
        d.modelFingerprint = rwkv::fingerprintHex(state.weightsFingerprint());
        d.snapshotId = store.snapshots().save(state, {std::nullopt, std::nullopt});
        store.documents().insert(d);
    }

    // The matching lines the sidebar shows, as laid out in the window.
    static QStringList shownSnippets(const RunningApp& app)
    {
        QList<QQuickItem*> labels;
        collectVisible(app.window->contentItem(), QStringLiteral("conversationSnippet"), labels);
        QStringList texts;
        for (const QQuickItem* label : labels) texts.append(label->property("text").toString());
        return texts;
    }

private slots:
    void findsConversationsByMessageText()
    {
        makeDatabase();
        RunningApp app = rwkv::test::launchApp(m_dir.path());
        QVERIFY(app.window);
        QAbstractItemModel* conversations = app.controller->conversations();
        QAbstractItemModel* documents = app.controller->listedDocuments();
        QTRY_COMPARE_WITH_TIMEOUT(conversations->rowCount(), kOtherConversations + 1, kListTimeoutMs);
        QTRY_COMPARE(documents->rowCount(), 1);
        QVERIFY(shownSnippets(app).isEmpty());
        // Nothing else lists the conversations again while the searches below are counted.
        QTRY_VERIFY_WITH_TIMEOUT(app.controller->modelReady() && !app.controller->busy(), rwkv::test::kModelTimeoutMs);

        // Typed into the search box, as a person would: a word of the assistant's reply.
        QQuickItem* field = findItem(app, "searchField");
        QVERIFY(field);
        field->forceActiveFocus();
        QTRY_VERIFY(field->hasActiveFocus());
        for (const char c : std::string_view("BAKER")) QTest::keyClick(app.window, c, Qt::ShiftModifier);
        QCOMPARE(app.controller->searchText(), QStringLiteral("BAKER"));
        // Only the line that matched, the word in bold, the rest escaped. Waited for: the search for
        // the first letter alone ("B") may still be the one shown, and it matches this conversation too.
        QTRY_COMPARE(conversations->data(conversations->index(0, 0), ConversationListModel::SnippetRole).toString(),
                     QStringLiteral("Try the <b>bakery</b> on &lt;Elm&gt; Street &amp; co."));
        QCOMPARE(conversations->rowCount(), 1);
        QCOMPARE(conversations->data(conversations->index(0, 0), ConversationListModel::IdRole).toLongLong(), m_bread);
        QCOMPARE(conversations->data(conversations->index(0, 0), ConversationListModel::TitleRole).toString(),
                 QStringLiteral("Weekend"));
        QTRY_COMPARE(shownSnippets(app), QStringList{QStringLiteral("Try the <b>bakery</b> on &lt;Elm&gt; Street &amp; co.")});
        QCOMPARE(documents->rowCount(), 0);
        QVERIFY(rwkv::test::saveScreenshot(app, "search.png"));

        // Text that changes faster than searches finish: only the first and the latest run.
        QSignalSpy searched(app.controller->search(), &SidebarSearch::searched);
        const QString typed = QStringLiteral("sourdough bread");
        for (int n = 1; n <= typed.size(); ++n) app.controller->setSearchText(typed.left(n));
        QTRY_COMPARE(searched.count(), 2);
        QTRY_COMPARE(conversations->data(conversations->index(0, 0), ConversationListModel::SnippetRole).toString(),
                     QStringLiteral("Where can I buy fresh <b>sourdough</b> <b>bread</b>?"));
        QCOMPARE(conversations->rowCount(), 1);
        QTest::qWait(200);
        QCOMPARE(searched.count(), 2);
        // A document found by its name while the text fits it.
        app.controller->setSearchText(QStringLiteral("sourdough"));
        QTRY_COMPARE(documents->rowCount(), 1);
        QCOMPARE(documents->data(documents->index(0, 0), DocumentListModel::NameRole).toString(),
                 QStringLiteral("sourdough-starter.md"));
        QTRY_COMPARE(shownSnippets(app), QStringList{QStringLiteral("Where can I buy fresh <b>sourdough</b> bread?")});
        QVERIFY(rwkv::test::saveScreenshot(app, "search-documents.png"));

        // Syntax in the box is only text; a deleted conversation leaves the results.
        app.controller->setSearchText(QStringLiteral("\"bread* (fresh"));
        QTRY_COMPARE(conversations->rowCount(), 1);
        QVERIFY(app.controller->errorText().isEmpty());
        app.controller->deleteConversation(m_bread);
        QTRY_COMPARE(conversations->rowCount(), 0);

        // Esc empties the box and lists everything again.
        field->forceActiveFocus();
        QTRY_VERIFY(field->hasActiveFocus());
        QTest::keyClick(app.window, Qt::Key_Escape);
        QCOMPARE(app.controller->searchText(), QString());
        QCOMPARE(conversations->rowCount(), kOtherConversations);
        QCOMPARE(documents->rowCount(), 1);
        QVERIFY(shownSnippets(app).isEmpty());
    }
};

QTEST_MAIN(TestAppSearch)
#include "test_app_search.moc"
