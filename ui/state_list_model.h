#pragma once
// The named states of the sidebar's "States" section (`rwkv-cli state save`, "Save state…", an
// imported state file), newest first, each saying whether the loaded model can use it.
#include "ui/row_list_model.h"

#include <QString>

struct StateRow {
    qint64 id = 0;            // the snapshot's id
    QString name;
    QString note;             // what it holds, in the user's words; may be empty
    QString modelName;        // the file name of the weights it was made with
    qint64 byteSize = 0;      // the state's uncompressed bytes
    qint64 createdAtMs = 0;   // Unix ms
    bool usable = false;      // made with the loaded model's weights
    QString reason;           // why not, when not usable

    qint64 key() const { return id; }
    bool operator==(const StateRow&) const = default;
};

class StateListModel : public RowListModel<StateRow> {
    Q_OBJECT
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)

public:
    enum Role { IdRole = Qt::UserRole + 1, NameRole, NoteRole, ModelNameRole, ByteSizeRole, CreatedAtRole, UsableRole, ReasonRole };

    explicit StateListModel(QObject* parent = nullptr);

    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

signals:
    void countChanged();
};
