#include "ui/message_list_model.h"

#include <algorithm>

MessageListModel::MessageListModel(QObject* parent) : QAbstractListModel(parent)
{
    connect(this, &QAbstractItemModel::rowsInserted, this, &MessageListModel::countChanged);
    connect(this, &QAbstractItemModel::rowsRemoved, this, &MessageListModel::countChanged);
    connect(this, &QAbstractItemModel::modelReset, this, &MessageListModel::countChanged);
}

int MessageListModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(m_rows.size()); }

QVariant MessageListModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const MessageRow& row = m_rows[index.row()];
    switch (role) {
    case IdRole: return row.id;
    case AuthorRole: return row.author;
    case Qt::DisplayRole:
    case TextRole: return row.text;
    case SegmentsRole: return m_segments[index.row()];
    case BranchIndexRole: return row.branchIndex;
    case BranchCountRole: return int(std::max<qsizetype>(row.siblingIds.size(), 1));
    case StreamingRole: return row.streaming;
    default: return {};
    }
}

QHash<int, QByteArray> MessageListModel::roleNames() const
{
    return {{IdRole, "messageId"},         {AuthorRole, "author"},           {TextRole, "text"},
            {SegmentsRole, "segments"},    {BranchIndexRole, "branchIndex"}, {BranchCountRole, "branchCount"},
            {StreamingRole, "streaming"}};
}

bool MessageListModel::isStreaming() const { return !m_rows.isEmpty() && m_rows.back().streaming; }

void MessageListModel::replaceRow(int i, const MessageRow& row)
{
    if (m_rows[i] == row) return;
    const bool textChanged = m_rows[i].text != row.text;
    m_rows[i] = row;
    if (textChanged) m_segments[i] = segmentsToVariant(splitMarkdown(row.text));
    emit dataChanged(index(i), index(i));
}

void MessageListModel::setMessages(const QList<MessageRow>& rows)
{
    const bool wasStreaming = isStreaming();
    // A path is compared position by position: a refreshed path usually shares its start.
    const int common = int(std::min(m_rows.size(), rows.size()));
    for (int i = 0; i < common; ++i) replaceRow(i, rows[i]);
    if (m_rows.size() > rows.size()) {
        beginRemoveRows({}, common, int(m_rows.size()) - 1);
        m_rows.resize(common);
        m_segments.resize(common);
        endRemoveRows();
    } else if (rows.size() > m_rows.size()) {
        beginInsertRows({}, common, int(rows.size()) - 1);
        for (int i = common; i < int(rows.size()); ++i) {
            m_rows.append(rows[i]);
            m_segments.append(segmentsToVariant(splitMarkdown(rows[i].text)));
        }
        endInsertRows();
    }
    if (wasStreaming != isStreaming()) emit streamingChanged();
}

void MessageListModel::beginTurn(qint64 keepId, const QString& userText)
{
    QList<MessageRow> rows;
    if (keepId != 0) {
        for (const MessageRow& row : m_rows) {
            rows.append(row);
            if (row.id == keepId) break;
        }
    }
    startTurn(rows, userText);
}

void MessageListModel::appendTurn(const QString& userText) { startTurn(m_rows, userText); }

void MessageListModel::startTurn(QList<MessageRow> rows, const QString& userText)
{
    const qint64 parent = rows.isEmpty() ? 0 : rows.back().id;
    m_pendingRows = 1;
    if (!userText.isEmpty()) {
        rows.append({0, parent, QStringLiteral("user"), userText, {}, 0, false});
        ++m_pendingRows;
    }
    rows.append({0, 0, QStringLiteral("assistant"), QString(), {}, 0, true});
    setMessages(rows);
}

void MessageListModel::dropPendingTurn()
{
    QList<MessageRow> rows = m_rows;
    rows.resize(std::max<qsizetype>(0, rows.size() - m_pendingRows));
    m_pendingRows = 0;
    setMessages(rows);
}

void MessageListModel::appendStreamedText(const QString& text)
{
    if (!isStreaming() || text.isEmpty()) return;
    MessageRow row = m_rows.back();
    row.text += text;
    replaceRow(int(m_rows.size()) - 1, row);
}

void MessageListModel::finishStreaming()
{
    if (!isStreaming()) return;
    MessageRow row = m_rows.back();
    row.streaming = false;
    replaceRow(int(m_rows.size()) - 1, row);
    emit streamingChanged();
}

qint64 MessageListModel::siblingId(int row, int delta) const
{
    if (row < 0 || row >= int(m_rows.size())) return 0;
    const MessageRow& r = m_rows[row];
    const qsizetype target = r.branchIndex + qsizetype(delta);
    return target >= 0 && target < r.siblingIds.size() ? r.siblingIds[target] : 0;
}

qint64 MessageListModel::idAt(int row) const { return row >= 0 && row < int(m_rows.size()) ? m_rows[row].id : 0; }
