#include "ui/document_list_model.h"

DocumentListModel::DocumentListModel(QObject* parent) : RowListModel(parent)
{
    connect(this, &QAbstractItemModel::rowsInserted, this, &DocumentListModel::countChanged);
    connect(this, &QAbstractItemModel::rowsRemoved, this, &DocumentListModel::countChanged);
    connect(this, &QAbstractItemModel::modelReset, this, &DocumentListModel::countChanged);
}

QVariant DocumentListModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const DocumentRow& row = m_rows[index.row()];
    switch (role) {
    case IdRole: return row.id;
    case Qt::DisplayRole:
    case NameRole: return row.name;
    case TokenCountRole: return row.tokenCount;
    case ByteSizeRole: return row.byteSize;
    default: return {};
    }
}

QHash<int, QByteArray> DocumentListModel::roleNames() const
{
    return {{IdRole, "documentId"}, {NameRole, "name"}, {TokenCountRole, "tokenCount"}, {ByteSizeRole, "byteSize"}};
}

QString DocumentListModel::nameOf(qint64 id) const
{
    const int i = indexOfKey(id);
    return i < 0 ? QString() : m_rows[i].name;
}

qint64 DocumentListModel::tokenCountOf(qint64 id) const
{
    const int i = indexOfKey(id);
    return i < 0 ? 0 : m_rows[i].tokenCount;
}
