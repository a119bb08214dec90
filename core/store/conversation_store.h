#pragma once
// Conversations as trees of messages (a message's parent is the one before it; siblings are
// branches), the tip each conversation continues from, and per-conversation settings.
#include "core/store/database.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rwkv {

// Document: a document read into the conversation's state (its content is the document's name).
enum class MessageRole { System, User, Assistant, Document };

// "system", "user", "assistant", "document" (the stored form).
std::string_view messageRoleName(MessageRole role);
// The role of a stored name; nullopt for any other text.
std::optional<MessageRole> messageRoleFromName(std::string_view name);

struct MessageRecord {
    int64_t id = 0;
    int64_t conversationId = 0;
    std::optional<int64_t> parentId;  // nullopt for the root
    MessageRole role = MessageRole::User;
    std::string content;
    int64_t createdAt = 0;            // Unix ms
    std::optional<int64_t> tokenCount;  // tokens read, for a document message
};

struct ConversationInfo {
    int64_t id = 0;
    std::string title;
    int64_t createdAt = 0, updatedAt = 0;  // Unix ms
    std::optional<int64_t> currentMessageId;
    int64_t messageCount = 0;  // user, assistant and document messages, every branch (not the system root)
};

struct ConversationSettings {
    std::string systemPrompt;    // empty = none
    std::string samplingJson = "{}";  // SamplingParams as a JSON object (see chat_session.h)
};

class ConversationStore {
public:
    explicit ConversationStore(Database& db) : m_db(db) {}

    // Creates an empty conversation with its settings. Returns its id.
    int64_t create(std::string_view title, const ConversationSettings& settings);
    // Newest first (by last change).
    std::vector<ConversationInfo> list();
    std::optional<ConversationInfo> find(int64_t id);
    // Throws Error(InvalidArgument) "no conversation N" when absent.
    ConversationInfo get(int64_t id);
    // Deletes the conversation with its messages and their snapshots.
    void remove(int64_t id);
    void setTitle(int64_t id, std::string_view title);
    // Selects the branch to continue from and marks the conversation changed.
    void setCurrentMessage(int64_t id, int64_t messageId);

    ConversationSettings settings(int64_t id);
    void setSettings(int64_t id, const ConversationSettings& settings);

    // Appends a message under parentId (nullopt: a root), made at createdAt (Unix ms; 0 = now),
    // with the tokens it read (a document message). Returns its id.
    int64_t addMessage(int64_t conversationId, std::optional<int64_t> parentId, MessageRole role, std::string_view content,
                       int64_t createdAt = 0, std::optional<int64_t> tokenCount = std::nullopt);
    // Throws Error(InvalidArgument) "no message N" when absent.
    MessageRecord message(int64_t id);
    std::optional<MessageRecord> findMessage(int64_t id);
    // The root, ..., the message itself.
    std::vector<MessageRecord> pathTo(int64_t messageId);
    std::vector<MessageRecord> children(int64_t messageId);
    // Every message of the conversation in id order (parents before children).
    std::vector<MessageRecord> messages(int64_t conversationId);

private:
    Database& m_db;
};

} // namespace rwkv
