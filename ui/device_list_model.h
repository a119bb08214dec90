#pragma once
// Every compute device this build knows, available or not (with the reason it is not).
#include "ui/row_list_model.h"

#include <QString>

struct DeviceRow {
    QString id;           // "cpu", "cuda:0": the device part of a strategy
    QString description;  // what it is, or why it is unavailable
    bool available = false;
    double freeBytes = -1; // what an available device has free (-1: unknown)

    QString key() const { return id; }
    bool operator==(const DeviceRow&) const = default;
};

class DeviceListModel : public RowListModel<DeviceRow> {
    Q_OBJECT
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)

public:
    enum Role { IdRole = Qt::UserRole + 1, DescriptionRole, AvailableRole };

    explicit DeviceListModel(QObject* parent = nullptr);

    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;
    // Only available devices can be picked.
    Qt::ItemFlags flags(const QModelIndex& index) const override;

    // Row of device `id`, or -1.
    Q_INVOKABLE int indexOf(const QString& id) const { return indexOfKey(id); }

signals:
    void countChanged();
};
