#pragma once
// A list model over a vector of plain rows with unique keys. setRows() turns the old list into
// the new one with the smallest set of remove / move / insert / dataChanged signals, so views
// keep their selection and scroll position when a refreshed list arrives from the worker.
// Row must provide `key()` and operator==.
#include <QAbstractListModel>
#include <QList>

#include <algorithm>

template <typename Row>
class RowListModel : public QAbstractListModel {
public:
    using QAbstractListModel::QAbstractListModel;

    int rowCount(const QModelIndex& parent = {}) const override { return parent.isValid() ? 0 : int(m_rows.size()); }
    const QList<Row>& rows() const { return m_rows; }

    // Row index of the row with `key`, or -1.
    template <typename Key>
    int indexOfKey(const Key& key) const
    {
        for (int i = 0; i < int(m_rows.size()); ++i)
            if (m_rows[i].key() == key) return i;
        return -1;
    }

    void setRows(const QList<Row>& target)
    {
        for (int i = int(m_rows.size()) - 1; i >= 0; --i) {
            const bool kept = std::any_of(target.begin(), target.end(),
                                          [&](const Row& r) { return r.key() == m_rows[i].key(); });
            if (kept) continue;
            beginRemoveRows({}, i, i);
            m_rows.removeAt(i);
            endRemoveRows();
        }
        for (int i = 0; i < int(target.size()); ++i) {
            if (i < int(m_rows.size()) && m_rows[i].key() == target[i].key()) {
                updateRow(i, target[i]);
                continue;
            }
            int from = -1;
            for (int j = i + 1; j < int(m_rows.size()); ++j)
                if (m_rows[j].key() == target[i].key()) from = j;
            if (from >= 0) {
                beginMoveRows({}, from, from, {}, i);
                m_rows.move(from, i);
                endMoveRows();
                updateRow(i, target[i]);
            } else {
                beginInsertRows({}, i, i);
                m_rows.insert(i, target[i]);
                endInsertRows();
            }
        }
    }

protected:
    void updateRow(int i, const Row& row)
    {
        if (m_rows[i] == row) return;
        m_rows[i] = row;
        emit dataChanged(index(i), index(i));
    }

    QList<Row> m_rows;
};
