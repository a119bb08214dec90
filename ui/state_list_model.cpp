#include "ui/state_list_model.h"

#include <QDateTime>

StateListModel::StateListModel(QObject* parent) : RowListModel(parent)
{
    connect(this, &QAbstractItemModel::rowsInserted, this, &StateListModel::countChanged);
    connect(this, &QAbstractItemModel::rowsRemoved, this, &StateListModel::countChanged);
    connect(this, &QAbstractItemModel::modelReset, this, &StateListModel::countChanged);
}

QVariant StateListModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const StateRow& row = m_rows[index.row()];
    switch (role) {
    case IdRole: return row.id;
    case Qt::DisplayRole:
    case NameRole: return row.name;
    case NoteRole: return row.note;
    case ModelNameRole: return row.modelName;
    case ByteSizeRole: return row.byteSize;
    case CreatedAtRole: return QDateTime::fromMSecsSinceEpoch(row.createdAtMs);
    case UsableRole: return row.usable;
    case ReasonRole: return row.reason;
    default: return {};
    }
}

QHash<int, QByteArray> StateListModel::roleNames() const
{
    return {{IdRole, "stateId"},         {NameRole, "name"},     {NoteRole, "note"}, {ModelNameRole, "modelName"}, {ByteSizeRole, "byteSize"},
            {CreatedAtRole, "createdAt"}, {UsableRole, "usable"}, {ReasonRole, "reason"}};
}
