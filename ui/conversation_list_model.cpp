#include "ui/conversation_list_model.h"

#include <QDateTime>

ConversationListModel::ConversationListModel(QObject* parent) : RowListModel(parent)
{
    connect(this, &QAbstractItemModel::rowsInserted, this, &ConversationListModel::countChanged);
    connect(this, &QAbstractItemModel::rowsRemoved, this, &ConversationListModel::countChanged);
    connect(this, &QAbstractItemModel::modelReset, this, &ConversationListModel::countChanged);
}

QVariant ConversationListModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const ConversationRow& row = m_rows[index.row()];
    switch (role) {
    case IdRole: return row.id;
    case Qt::DisplayRole:
    case TitleRole: return row.title;
    case UpdatedAtRole: return QDateTime::fromMSecsSinceEpoch(row.updatedAtMs);
    case MessageCountRole: return row.messageCount;
    case SnippetRole: return row.snippet;
    default: return {};
    }
}

QHash<int, QByteArray> ConversationListModel::roleNames() const
{
    return {{IdRole, "conversationId"}, {TitleRole, "title"}, {UpdatedAtRole, "updatedAt"}, {MessageCountRole, "messageCount"},
            {SnippetRole, "snippet"}};
}

QString ConversationListModel::titleOf(qint64 id) const
{
    const int i = indexOfKey(id);
    return i < 0 ? QString() : m_rows[i].title;
}
