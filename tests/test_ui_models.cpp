// The list models of the QML module, each under QAbstractItemModelTester: incremental updates
// (insert, move, remove, change; never a reset), the streaming turn of the message list, the
// branch switcher's sibling lookup, Markdown code-block splitting and the meters' window.
#include "ui/conversation_list_model.h"
#include "ui/device_list_model.h"
#include "ui/document_list_model.h"
#include "ui/markdown_segments.h"
#include "ui/message_list_model.h"
#include "ui/meters_model.h"

#include <QAbstractItemModelTester>
#include <QPointF>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTest>

namespace {

QList<qint64> idsOf(const ConversationListModel& model)
{
    QList<qint64> ids;
    for (int i = 0; i < model.rowCount(); ++i) ids.append(model.data(model.index(i), ConversationListModel::IdRole).toLongLong());
    return ids;
}

ConversationRow conversation(qint64 id, const char* title, qint64 updated)
{
    return {id, QString::fromUtf8(title), updated, 3, {}};
}

MessageRow message(qint64 id, qint64 parent, const char* author, const char* text, QList<qint64> siblings = {}, int index = 0)
{
    if (siblings.isEmpty()) siblings = {id};
    return {id, parent, QString::fromLatin1(author), QString::fromUtf8(text), siblings, index, false};
}

} // namespace

class TestUiModels : public QObject {
    Q_OBJECT

private slots:
    void init()
    {
        // Any warning (an index check, a tester complaint) is a failure.
        QTest::failOnWarning(QRegularExpression(QStringLiteral(".*")));
    }

    void conversationsUpdateIncrementally()
    {
        ConversationListModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy moved(&model, &QAbstractItemModel::rowsMoved);
        QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QSignalSpy count(&model, &ConversationListModel::countChanged);

        model.setRows({conversation(3, "c", 30), conversation(2, "b", 20), conversation(1, "a", 10)});
        QCOMPARE(idsOf(model), (QList<qint64>{3, 2, 1}));
        QCOMPARE(inserted.count(), 3);
        QCOMPARE(count.count(), 3);

        // Conversation 1 got a new message: it moves to the top and its data changes.
        model.setRows({conversation(1, "a", 40), conversation(3, "c", 30), conversation(2, "b", 20)});
        QCOMPARE(idsOf(model), (QList<qint64>{1, 3, 2}));
        QCOMPARE(moved.count(), 1);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(model.data(model.index(0), ConversationListModel::UpdatedAtRole).toDateTime().toMSecsSinceEpoch(), 40);

        // Rename one, delete another, add a new one.
        model.setRows({conversation(4, "d", 50), conversation(1, "renamed", 40), conversation(2, "b", 20)});
        QCOMPARE(idsOf(model), (QList<qint64>{4, 1, 2}));
        QCOMPARE(removed.count(), 1);
        QCOMPARE(model.titleOf(1), QStringLiteral("renamed"));
        QCOMPARE(model.data(model.index(1), Qt::DisplayRole).toString(), QStringLiteral("renamed"));
        QCOMPARE(model.titleOf(99), QString());

        // The same list again changes nothing.
        const qsizetype signalsBefore = inserted.count() + moved.count() + removed.count() + changed.count();
        model.setRows(model.rows());
        QCOMPARE(inserted.count() + moved.count() + removed.count() + changed.count(), signalsBefore);

        // A reversed list and an empty one.
        model.setRows({conversation(2, "b", 20), conversation(1, "renamed", 40), conversation(4, "d", 50)});
        QCOMPARE(idsOf(model), (QList<qint64>{2, 1, 4}));
        model.setRows({});
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(resets.count(), 0);
        QVERIFY(model.roleNames().values().contains("title"));
    }

    void documentsAndDevices()
    {
        DocumentListModel documents;
        QAbstractItemModelTester documentTester(&documents, QAbstractItemModelTester::FailureReportingMode::QtTest);
        documents.setRows({{7, QStringLiteral("notes.md"), 1200, 4000}, {5, QStringLiteral("paper.pdf"), 90000, 300000}});
        QCOMPARE(documents.rowCount(), 2);
        QCOMPARE(documents.nameOf(5), QStringLiteral("paper.pdf"));
        QCOMPARE(documents.tokenCountOf(7), qint64(1200));
        QCOMPARE(documents.tokenCountOf(1), qint64(0));
        QCOMPARE(documents.data(documents.index(1), DocumentListModel::ByteSizeRole).toLongLong(), qint64(300000));
        documents.setRows({{5, QStringLiteral("paper.pdf"), 90000, 300000}});
        QCOMPARE(documents.rowCount(), 1);

        DeviceListModel devices;
        QAbstractItemModelTester deviceTester(&devices, QAbstractItemModelTester::FailureReportingMode::QtTest);
        devices.setRows({{QStringLiteral("cpu"), QStringLiteral("x86-64, 2 threads"), true},
                         {QStringLiteral("cuda:0"), QStringLiteral("no NVIDIA driver found"), false}});
        QCOMPARE(devices.indexOf(QStringLiteral("cuda:0")), 1);
        QCOMPARE(devices.indexOf(QStringLiteral("vulkan:0")), -1);
        QVERIFY(devices.flags(devices.index(0)).testFlag(Qt::ItemIsEnabled));
        QVERIFY(!devices.flags(devices.index(1)).testFlag(Qt::ItemIsEnabled));
        QCOMPARE(devices.data(devices.index(1), DeviceListModel::DescriptionRole).toString(),
                 QStringLiteral("no NVIDIA driver found"));
        QCOMPARE(devices.data(devices.index(1), DeviceListModel::AvailableRole).toBool(), false);
    }

    void messagesStreamATurn()
    {
        MessageListModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy streaming(&model, &MessageListModel::streamingChanged);
        model.setMessages({message(2, 1, "user", "Hello!"), message(3, 2, "assistant", " Hello! How can I help you today?")});
        QCOMPARE(model.rowCount(), 2);
        QVERIFY(!model.isStreaming());

        model.appendTurn(QStringLiteral("What is 7 + 5?"));
        QCOMPARE(model.rowCount(), 4);
        QVERIFY(model.isStreaming());
        QCOMPARE(streaming.count(), 1);
        QCOMPARE(model.rows()[2].parentId, qint64(3));
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.appendStreamedText(QStringLiteral(" 7 + 5"));
        model.appendStreamedText(QStringLiteral(" = 12."));
        QCOMPARE(changed.count(), 2);
        QCOMPARE(changed.last().at(0).value<QModelIndex>().row(), 3);
        QCOMPARE(model.data(model.index(3), MessageListModel::TextRole).toString(), QStringLiteral(" 7 + 5 = 12."));
        QVERIFY(model.data(model.index(3), MessageListModel::StreamingRole).toBool());

        // The stored turn replaces the pending rows in place: same positions, real ids.
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
        model.setMessages({message(2, 1, "user", "Hello!"), message(3, 2, "assistant", " Hello! How can I help you today?"),
                           message(4, 3, "user", "What is 7 + 5?"), message(5, 4, "assistant", " 7 + 5 = 12.")});
        QCOMPARE(inserted.count(), 0);
        QCOMPARE(removed.count(), 0);
        QVERIFY(!model.isStreaming());
        QCOMPARE(streaming.count(), 2);
        QCOMPARE(model.idAt(3), qint64(5));
        QCOMPARE(model.idAt(9), qint64(0));
    }

    void messagesBranchesAndFailedTurns()
    {
        MessageListModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setMessages({message(2, 1, "user", "Hi"), message(3, 2, "assistant", "one", {3, 6, 8}, 1),
                           message(4, 3, "user", "next"), message(5, 4, "assistant", "two")});
        QCOMPARE(model.data(model.index(1), MessageListModel::BranchIndexRole).toInt(), 1);
        QCOMPARE(model.data(model.index(1), MessageListModel::BranchCountRole).toInt(), 3);
        QCOMPARE(model.data(model.index(0), MessageListModel::BranchCountRole).toInt(), 1);
        QCOMPARE(model.siblingId(1, -1), qint64(3));
        QCOMPARE(model.siblingId(1, +1), qint64(8));
        QCOMPARE(model.siblingId(1, +2), qint64(0));
        QCOMPARE(model.siblingId(0, +1), qint64(0));
        QCOMPARE(model.siblingId(7, 0), qint64(0));

        // Regenerating reply 3 keeps the rows up to its question and streams a new reply.
        model.beginTurn(2, QString());
        QCOMPARE(model.rowCount(), 2);
        QVERIFY(model.isStreaming());
        model.dropPendingTurn();
        QCOMPARE(model.rowCount(), 1);

        // Editing the first question keeps nothing before it.
        model.beginTurn(0, QStringLiteral("Hello"));
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.rows()[0].text, QStringLiteral("Hello"));
        model.finishStreaming();
        QVERIFY(!model.isStreaming());
        model.clear();
        QCOMPARE(model.rowCount(), 0);
    }

    void segmentsOfAReply()
    {
        const QString reply = QStringLiteral("Here is code:\n\n```cpp\nint main() {}\n```\nAnd prose **after**.\n```\nunclosed");
        const QList<MarkdownSegment> segments = splitMarkdown(reply);
        QCOMPARE(segments.size(), 4);
        QCOMPARE(segments[0].kind, MarkdownSegment::Kind::Text);
        QCOMPARE(segments[0].text, QStringLiteral("Here is code:\n"));
        QCOMPARE(segments[1].kind, MarkdownSegment::Kind::Code);
        QCOMPARE(segments[1].language, QStringLiteral("cpp"));
        QCOMPARE(segments[1].text, QStringLiteral("int main() {}"));
        QCOMPARE(segments[2].text, QStringLiteral("And prose **after**."));
        QCOMPARE(segments[3].kind, MarkdownSegment::Kind::Code);
        QCOMPARE(segments[3].text, QStringLiteral("unclosed"));

        QCOMPARE(splitMarkdown(QStringLiteral("plain")).size(), 1);
        QCOMPARE(splitMarkdown(QString()).size(), 0);
        // A longer fence is closed only by one at least as long; ``` inside stays code.
        const QList<MarkdownSegment> nested = splitMarkdown(QStringLiteral("````md\n```\ninner\n```\n````"));
        QCOMPARE(nested.size(), 1);
        QCOMPARE(nested[0].text, QStringLiteral("```\ninner\n```"));

        MessageListModel model;
        model.setMessages({message(1, 0, "assistant", "text\n```py\nprint(1)\n```")});
        const QVariantList variant = model.data(model.index(0), MessageListModel::SegmentsRole).toList();
        QCOMPARE(variant.size(), 2);
        QCOMPARE(variant[1].toMap().value(QStringLiteral("kind")).toString(), QStringLiteral("code"));
        QCOMPARE(variant[1].toMap().value(QStringLiteral("text")).toString(), QStringLiteral("print(1)"));
    }

    void metersKeepTheLastMinute()
    {
        MetersModel meters;
        QAbstractItemModelTester tester(&meters, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy changed(&meters, &MetersModel::changed);
        for (qint64 t = 0; t <= 90'000; t += 1000) meters.addSample({t, 1e6 + double(t), t == 5000 ? 800.0 : 0.0, double(t) / 1000});
        QCOMPARE(changed.count(), 91);
        QCOMPARE(meters.rowCount(), 61);  // 30 s .. 90 s
        QCOMPARE(meters.data(meters.index(0), MetersModel::TimeRole).toLongLong(), qint64(30'000));
        QCOMPARE(meters.memoryBytes(), 1e6 + 90'000);
        QCOMPARE(meters.maximum(QStringLiteral("decode")), 90.0);
        QCOMPARE(meters.maximum(QStringLiteral("prefill")), 0.0);  // the 5 s spike left the window
        const QVariantList points = meters.points(QStringLiteral("decode"));
        QCOMPARE(points.size(), 61);
        QCOMPARE(points.first().toPointF(), QPointF(-60.0, 30.0));
        QCOMPARE(points.last().toPointF(), QPointF(0.0, 90.0));
        QCOMPARE(meters.windowSeconds(), 60);

        meters.setRates(5000, 120);
        meters.setModelSizes(2 * 1024 * 1024, 37e6);
        meters.setMemoryScale(QStringLiteral("RAM"), 8e9);
        QCOMPARE(meters.prefillTps(), 5000.0);
        QCOMPARE(meters.decodeTps(), 120.0);
        QCOMPARE(meters.stateBytes(), 2.0 * 1024 * 1024);
        QCOMPARE(meters.memoryTotalBytes(), 8e9);
        QCOMPARE(changed.count(), 94);
    }
};

QTEST_GUILESS_MAIN(TestUiModels)
#include "test_ui_models.moc"
