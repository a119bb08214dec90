#pragma once
// The prompt forms the World / G-series models were trained on (design.md "Prompt formats").
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
// "Document: {text}\n\n" with the text verbatim except "\r\n" -> "\n".
std::string documentPrompt(std::string_view text);

} // namespace rwkv
