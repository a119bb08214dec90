#pragma once
// A conversation as Markdown, for reading or sharing: its title as the heading, then the
// current branch, one "## User" / "## Assistant" (and "## System" for a system prompt) heading
// per message with the text as written (replies are Markdown already).
#include "core/store/conversation_store.h"

#include <cstdint>
#include <filesystem>
#include <string>

namespace rwkv {

// Throws Error(InvalidArgument) when there is no conversation `id`.
std::string conversationMarkdown(ConversationStore& conversations, int64_t id);

// Writes conversationMarkdown() to `file`, which must not exist. Returns the number of
// messages written.
int64_t exportConversationMarkdown(ConversationStore& conversations, int64_t id, const std::filesystem::path& file);

} // namespace rwkv
