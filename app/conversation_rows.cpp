#include "app/conversation_rows.h"

#include <QLocale>
#include <QObject>

#include <algorithm>

namespace {

QString toQString(const std::string& s) { return QString::fromStdString(s); }

} // namespace

QList<ConversationRow> conversationRows(rwkv::Store& store)
{
    QList<ConversationRow> rows;
    for (const rwkv::ConversationInfo& c : store.conversations().list())
        rows.append({c.id, toQString(c.title), c.updatedAt, c.messageCount, {}});
    return rows;
}

QList<DocumentRow> documentRows(rwkv::Store& store)
{
    std::vector<rwkv::DocumentRecord> documents = store.documents().list();
    std::sort(documents.begin(), documents.end(), [](const auto& a, const auto& b) { return a.id > b.id; });
    QList<DocumentRow> rows;
    for (const rwkv::DocumentRecord& d : documents) rows.append({d.id, toQString(d.name), d.tokenCount, d.byteSize});
    return rows;
}

QList<MessageRow> branchRows(rwkv::Store& store, int64_t messageId)
{
    rwkv::ConversationStore& conversations = store.conversations();
    QList<MessageRow> rows;
    for (const rwkv::MessageRecord& m : conversations.pathTo(messageId)) {
        if (!m.parentId) continue;
        MessageRow row;
        row.id = m.id;
        row.parentId = *m.parentId;
        row.author = QString::fromLatin1(rwkv::messageRoleName(m.role)); // "user", "assistant" or "document"
        row.text = toQString(m.content);
        if (m.role == rwkv::MessageRole::Document) // its name: the text was read, not kept
            row.text = QObject::tr("**%1** — %2 tokens read into the model's state")
                           .arg(row.text, QLocale().toString(qlonglong(m.tokenCount.value_or(0))));
        std::vector<rwkv::MessageRecord> siblings = conversations.children(*m.parentId);
        std::sort(siblings.begin(), siblings.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
        for (const rwkv::MessageRecord& s : siblings) {
            if (s.id == m.id) row.branchIndex = int(row.siblingIds.size());
            row.siblingIds.append(s.id);
        }
        rows.append(row);
    }
    return rows;
}

int64_t newestReplyUnder(rwkv::Store& store, int64_t messageId)
{
    rwkv::ConversationStore& conversations = store.conversations();
    int64_t reply = conversations.message(messageId).role == rwkv::MessageRole::User ? 0 : messageId;
    int64_t at = messageId;
    for (;;) {
        const std::vector<rwkv::MessageRecord> children = conversations.children(at);
        if (children.empty()) break;
        const auto newest = std::max_element(children.begin(), children.end(),
                                             [](const auto& a, const auto& b) { return a.id < b.id; });
        at = newest->id;
        if (newest->role != rwkv::MessageRole::User) reply = at;
    }
    if (reply == 0) reply = conversations.message(messageId).parentId.value_or(messageId);
    return reply;
}
