#include "core/store/conversation_markdown.h"

#include "core/io/atomic_file.h"

#include <vector>

namespace rwkv {

namespace {

std::vector<MessageRecord> currentBranch(ConversationStore& conversations, const ConversationInfo& c)
{
    std::vector<MessageRecord> out;
    if (!c.currentMessageId) return out;
    for (MessageRecord& m : conversations.pathTo(*c.currentMessageId))
        if (m.role != MessageRole::System || !m.content.empty()) out.push_back(std::move(m)); // an empty root is no message
    return out;
}

const char* heading(MessageRole role)
{
    switch (role) {
    case MessageRole::System: return "## System";
    case MessageRole::User: return "## User";
    case MessageRole::Assistant: return "## Assistant";
    case MessageRole::Document: return "## Document";
    }
    return "## User";
}

} // namespace

std::string conversationMarkdown(ConversationStore& conversations, int64_t id)
{
    const ConversationInfo c = conversations.get(id);
    std::string title = c.title.empty() ? "Conversation " + std::to_string(id) : c.title;
    for (char& ch : title)
        if (ch == '\n' || ch == '\r') ch = ' '; // a heading is one line
    std::string out = "# " + title + "\n";
    for (const MessageRecord& m : currentBranch(conversations, c)) {
        out.append("\n").append(heading(m.role)).append("\n\n").append(m.content);
        if (m.role == MessageRole::Document) // its name; the text was read, not kept
            out.append(" (read, ").append(std::to_string(m.tokenCount.value_or(0))).append(" tokens)");
        if (m.content.empty() || m.content.back() != '\n') out.push_back('\n');
    }
    return out;
}

int64_t exportConversationMarkdown(ConversationStore& conversations, int64_t id, const std::filesystem::path& file)
{
    const std::string text = conversationMarkdown(conversations, id);
    const ConversationInfo c = conversations.get(id);
    AtomicFileWriter out(file);
    out.write(text);
    out.commit();
    return int64_t(currentBranch(conversations, c).size());
}

} // namespace rwkv
