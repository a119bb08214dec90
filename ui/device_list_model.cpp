#include "ui/device_list_model.h"

DeviceListModel::DeviceListModel(QObject* parent) : RowListModel(parent)
{
    connect(this, &QAbstractItemModel::rowsInserted, this, &DeviceListModel::countChanged);
    connect(this, &QAbstractItemModel::rowsRemoved, this, &DeviceListModel::countChanged);
    connect(this, &QAbstractItemModel::modelReset, this, &DeviceListModel::countChanged);
}

QVariant DeviceListModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const DeviceRow& row = m_rows[index.row()];
    switch (role) {
    case Qt::DisplayRole: return row.id + QStringLiteral(" — ") + row.description;
    case IdRole: return row.id;
    case DescriptionRole: return row.description;
    case AvailableRole: return row.available;
    default: return {};
    }
}

QHash<int, QByteArray> DeviceListModel::roleNames() const
{
    return {{Qt::DisplayRole, "display"}, {IdRole, "deviceId"}, {DescriptionRole, "description"}, {AvailableRole, "available"}};
}

Qt::ItemFlags DeviceListModel::flags(const QModelIndex& index) const
{
    if (!index.isValid() || index.parent().isValid() || index.row() >= rowCount()) return Qt::NoItemFlags;
    return m_rows[index.row()].available ? Qt::ItemIsEnabled | Qt::ItemIsSelectable : Qt::NoItemFlags;
}
