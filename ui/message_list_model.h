#pragma once
// The messages on the selected branch of a conversation (its root excluded), each with its
// position among its siblings (‹ 2/3 ›), plus the turn being generated while it streams.
#include "ui/markdown_segments.h"

#include <QAbstractListModel>
#include <QList>
#include <QString>
#include <QVariantList>

struct MessageRow {
    qint64 id = 0;               // 0 while the turn is still being generated
    qint64 parentId = 0;         // the message before it (the hidden root for the first one)
    QString author;              // "user", "assistant" or "document" (a document read into the state)
    QString text;
    QList<qint64> siblingIds;    // every alternative at this point of the tree, this one included
    int branchIndex = 0;         // position of this message in siblingIds
    bool streaming = false;      // the reply being generated now

    bool operator==(const MessageRow&) const = default;
};

class MessageListModel : public QAbstractListModel {
    Q_OBJECT
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)
    Q_PROPERTY(bool streaming READ isStreaming NOTIFY streamingChanged)

public:
    enum Role {
        IdRole = Qt::UserRole + 1,
        AuthorRole,
        TextRole,
        SegmentsRole,     // splitMarkdown(text) as QML data
        BranchIndexRole,  // 0-based
        BranchCountRole,
        StreamingRole,
    };

    explicit MessageListModel(QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    const QList<MessageRow>& rows() const { return m_rows; }
    bool isStreaming() const;

    // Shows `rows`, changing only the positions that differ from what is shown.
    void setMessages(const QList<MessageRow>& rows);
    void clear() { setMessages({}); }
    // Starts showing a turn being generated: keeps the rows up to and including `keepId`
    // (0: none), appends the user's text unless it is empty, then an empty streaming reply.
    void beginTurn(qint64 keepId, const QString& userText);
    // The same after every row shown.
    void appendTurn(const QString& userText);
    // Removes the rows the last beginTurn/appendTurn added (a turn that failed to start).
    void dropPendingTurn();
    // Appends streamed text to the reply being generated.
    void appendStreamedText(const QString& text);
    // Marks the streaming reply as complete.
    void finishStreaming();

    // The sibling `delta` steps from row's message (‹ = -1, › = +1), or 0 when there is none.
    Q_INVOKABLE qint64 siblingId(int row, int delta) const;
    // The id of the message at `row`, or 0.
    Q_INVOKABLE qint64 idAt(int row) const;

signals:
    void countChanged();
    void streamingChanged();

private:
    void replaceRow(int i, const MessageRow& row);
    void startTurn(QList<MessageRow> rows, const QString& userText);

    QList<MessageRow> m_rows;
    QList<QVariantList> m_segments;  // cached splitMarkdown of each row's text
    int m_pendingRows = 0;           // rows added by the turn in progress
};
