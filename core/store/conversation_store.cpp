#include "core/store/conversation_store.h"

#include "core/error.h"
#include "core/utf8_path.h"

#include <initializer_list>

namespace rwkv {

namespace {

constexpr const char* kMessageColumns = "id, conversation_id, parent_id, role, content, created_at, token_count";

MessageRecord readMessage(const Statement& s)
{
    MessageRecord m;
    m.id = s.columnInt(0);
    m.conversationId = s.columnInt(1);
    m.parentId = s.columnOptionalInt(2);
    m.role = messageRoleFromName(s.columnText(3)).value_or(MessageRole::User);
    m.content = s.columnText(4);
    m.createdAt = s.columnInt(5);
    m.tokenCount = s.columnOptionalInt(6);
    return m;
}

constexpr const char* kConversationQuery =
    "SELECT c.id, c.title, c.created_at, c.updated_at, c.current_message_id, "
    "(SELECT count(*) FROM messages m WHERE m.conversation_id = c.id AND m.role != 'system') FROM conversations c";

ConversationInfo readConversation(const Statement& s)
{
    ConversationInfo c;
    c.id = s.columnInt(0);
    c.title = s.columnText(1);
    c.createdAt = s.columnInt(2);
    c.updatedAt = s.columnInt(3);
    c.currentMessageId = s.columnOptionalInt(4);
    c.messageCount = s.columnInt(5);
    return c;
}

} // namespace

std::string_view messageRoleName(MessageRole role)
{
    switch (role) {
    case MessageRole::System: return "system";
    case MessageRole::User: return "user";
    case MessageRole::Assistant: return "assistant";
    case MessageRole::Document: return "document";
    }
    return "user";
}

std::optional<MessageRole> messageRoleFromName(std::string_view name)
{
    for (const MessageRole role : {MessageRole::System, MessageRole::User, MessageRole::Assistant, MessageRole::Document})
        if (messageRoleName(role) == name) return role;
    return std::nullopt;
}

int64_t ConversationStore::create(std::string_view title, const ConversationSettings& settings)
{
    Transaction tx(m_db);
    const int64_t now = unixMillis();
    m_db.prepare("INSERT INTO conversations (title, created_at, updated_at) VALUES (?1, ?2, ?2)")
        .bind(1, title)
        .bind(2, now)
        .run();
    const int64_t id = m_db.lastInsertId();
    setSettings(id, settings);
    tx.commit();
    return id;
}

std::vector<ConversationInfo> ConversationStore::list()
{
    return m_db.prepare(std::string(kConversationQuery) + " ORDER BY c.updated_at DESC, c.id DESC").rows(readConversation);
}

std::optional<ConversationInfo> ConversationStore::find(int64_t id)
{
    Statement s = m_db.prepare(std::string(kConversationQuery) + " WHERE c.id = ?1");
    return s.bind(1, id).row(readConversation);
}

ConversationInfo ConversationStore::get(int64_t id)
{
    if (auto c = find(id)) return *c;
    throw Error(ErrorCode::InvalidArgument, "no conversation " + std::to_string(id) + " in " + pathToUtf8(m_db.path()));
}

void ConversationStore::remove(int64_t id)
{
    get(id);
    // Messages and their snapshots go with it (ON DELETE CASCADE), in this one statement.
    m_db.prepare("DELETE FROM conversations WHERE id = ?1").bind(1, id).run();
}

void ConversationStore::setTitle(int64_t id, std::string_view title)
{
    m_db.prepare("UPDATE conversations SET title = ?2, updated_at = ?3 WHERE id = ?1")
        .bind(1, id)
        .bind(2, title)
        .bind(3, unixMillis())
        .run();
}

void ConversationStore::setCurrentMessage(int64_t id, int64_t messageId)
{
    m_db.prepare("UPDATE conversations SET current_message_id = ?2, updated_at = ?3 WHERE id = ?1")
        .bind(1, id)
        .bind(2, messageId)
        .bind(3, unixMillis())
        .run();
}

ConversationSettings ConversationStore::settings(int64_t id)
{
    Statement s = m_db.prepare("SELECT system_prompt, sampling FROM conversation_settings WHERE conversation_id = ?1");
    s.bind(1, id);
    ConversationSettings out;
    if (s.step()) {
        out.systemPrompt = s.columnText(0);
        out.samplingJson = s.columnText(1);
    }
    return out;
}

void ConversationStore::setSettings(int64_t id, const ConversationSettings& settings)
{
    m_db.prepare("INSERT INTO conversation_settings (conversation_id, system_prompt, sampling) VALUES (?1, ?2, ?3) "
                 "ON CONFLICT (conversation_id) DO UPDATE SET system_prompt = excluded.system_prompt, "
                 "sampling = excluded.sampling")
        .bind(1, id)
        .bind(2, settings.systemPrompt)
        .bind(3, settings.samplingJson)
        .run();
}

int64_t ConversationStore::addMessage(int64_t conversationId, std::optional<int64_t> parentId, MessageRole role,
                                      std::string_view content, int64_t createdAt, std::optional<int64_t> tokenCount)
{
    m_db.prepare("INSERT INTO messages (conversation_id, parent_id, role, content, created_at, token_count) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
        .bind(1, conversationId)
        .bind(2, parentId)
        .bind(3, messageRoleName(role))
        .bind(4, content)
        .bind(5, createdAt > 0 ? createdAt : unixMillis())
        .bind(6, tokenCount)
        .run();
    return m_db.lastInsertId();
}

std::optional<MessageRecord> ConversationStore::findMessage(int64_t id)
{
    Statement s = m_db.prepare(std::string("SELECT ") + kMessageColumns + " FROM messages WHERE id = ?1");
    return s.bind(1, id).row(readMessage);
}

MessageRecord ConversationStore::message(int64_t id)
{
    if (auto m = findMessage(id)) return *m;
    throw Error(ErrorCode::InvalidArgument, "no message " + std::to_string(id) + " in " + pathToUtf8(m_db.path()));
}

std::vector<MessageRecord> ConversationStore::pathTo(int64_t messageId)
{
    Statement s = m_db.prepare("WITH RECURSIVE path(id, depth) AS (SELECT ?1, 0 UNION ALL "
                               "SELECT m.parent_id, p.depth + 1 FROM messages m JOIN path p ON m.id = p.id "
                               "WHERE m.parent_id IS NOT NULL) "
                               "SELECT m.id, m.conversation_id, m.parent_id, m.role, m.content, m.created_at, "
                               "m.token_count FROM path p JOIN messages m ON m.id = p.id ORDER BY p.depth DESC");
    s.bind(1, messageId);
    std::vector<MessageRecord> out = s.rows(readMessage);
    if (out.empty()) message(messageId);
    return out;
}

std::vector<MessageRecord> ConversationStore::children(int64_t messageId)
{
    Statement s = m_db.prepare(std::string("SELECT ") + kMessageColumns + " FROM messages WHERE parent_id = ?1 ORDER BY id");
    s.bind(1, messageId);
    return s.rows(readMessage);
}

std::vector<MessageRecord> ConversationStore::messages(int64_t conversationId)
{
    Statement s = m_db.prepare(std::string("SELECT ") + kMessageColumns + " FROM messages WHERE conversation_id = ?1 ORDER BY id");
    s.bind(1, conversationId);
    return s.rows(readMessage);
}

} // namespace rwkv
