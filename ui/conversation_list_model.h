#pragma once
// The conversations of the sidebar: newest first as the worker last listed them, or the
// search's matches best first.
#include "ui/row_list_model.h"

#include <QString>

struct ConversationRow {
    qint64 id = 0;
    QString title;
    qint64 updatedAtMs = 0;   // Unix ms of the last change
    qint64 messageCount = 0;  // user and assistant messages, every branch included
    QString snippet;          // a search result's matching line (StyledText, matches in <b>); empty otherwise

    qint64 key() const { return id; }
    bool operator==(const ConversationRow&) const = default;
};

class ConversationListModel : public RowListModel<ConversationRow> {
    Q_OBJECT
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)

public:
    enum Role { IdRole = Qt::UserRole + 1, TitleRole, UpdatedAtRole, MessageCountRole, SnippetRole };

    explicit ConversationListModel(QObject* parent = nullptr);

    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    // The title of conversation `id`, empty when it is not listed.
    Q_INVOKABLE QString titleOf(qint64 id) const;

signals:
    void countChanged();
};
