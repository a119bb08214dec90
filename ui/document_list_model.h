#pragma once
// The documents read into a cached state, newest first.
#include "ui/row_list_model.h"

#include <QString>

struct DocumentRow {
    qint64 id = 0;
    QString name;
    qint64 tokenCount = 0;  // tokens fed when it was read
    qint64 byteSize = 0;    // bytes of the text that was read

    qint64 key() const { return id; }
    bool operator==(const DocumentRow&) const = default;
};

class DocumentListModel : public RowListModel<DocumentRow> {
    Q_OBJECT
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)

public:
    enum Role { IdRole = Qt::UserRole + 1, NameRole, TokenCountRole, ByteSizeRole };

    explicit DocumentListModel(QObject* parent = nullptr);

    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    // The name of document `id`, empty when it is not listed.
    Q_INVOKABLE QString nameOf(qint64 id) const;
    // The tokens read of document `id`, 0 when it is not listed.
    Q_INVOKABLE qint64 tokenCountOf(qint64 id) const;

signals:
    void countChanged();
};
