#pragma once
// The prompt forms the World / G-series models were trained on (design.md "Prompt formats").
#include <span>
#include <string>
#include <string_view>

namespace rwkv {

// What ends an assistant turn (and any chat turn): a blank line.
constexpr std::string_view kTurnEnd = "\n\n";

// User or system text made safe for a chat turn: "\r\n" -> "\n", every run of 2+ newlines
// collapsed to one "\n" (a blank line would end the turn), ASCII whitespace stripped at both ends.
std::string cleanUserText(std::string_view text);
// "User: {clean}\n\nAssistant:" (no trailing space; the reply normally starts with one).
std::string chatPrompt(std::string_view userText);
// "System: {clean}\n\n", fed before the first chat turn.
std::string systemPrompt(std::string_view systemText);

enum class ChatRole { System, User, Assistant };
struct ChatMessage {
    ChatRole role = ChatRole::User;
    std::string text;
};
// One finished turn: "System: {clean}\n\n", "User: {clean}\n\n" or "Assistant: {clean}\n\n"
// (a reply as generated starts with a space, so "Assistant:" + reply gives the same text).
std::string chatTurn(const ChatMessage& message);
// A whole conversation as one prompt: every message as a turn, then "Assistant:" for the
// reply. Feeding systemPrompt() and chatPrompt() turn by turn gives the same text.
std::string chatTranscript(std::span<const ChatMessage> messages);
// "Document: {text}\n\n" with the text verbatim except "\r\n" -> "\n".
std::string documentPrompt(std::string_view text);

} // namespace rwkv
