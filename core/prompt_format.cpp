#include "core/prompt_format.h"

namespace rwkv {
namespace {

std::string normaliseLineEnds(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n')
            continue;
        out.push_back(text[i]);
    }
    return out;
}

// ASCII only (Python's str.strip() also strips Unicode spaces such as U+00A0; those are rare
// at the ends of typed text and harmless to the model).
bool isAsciiSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

} // namespace

std::string cleanUserText(std::string_view text)
{
    const std::string unified = normaliseLineEnds(text);
    std::string collapsed;
    collapsed.reserve(unified.size());
    for (const char c : unified) {
        // The official chat does replace('\n\n', '\n') once, which leaves "\n\n" from "\n\n\n";
        // collapsing whole runs guarantees no blank line survives to end the turn early.
        if (c == '\n' && !collapsed.empty() && collapsed.back() == '\n')
            continue;
        collapsed.push_back(c);
    }
    size_t first = 0;
    size_t last = collapsed.size();
    while (first < last && isAsciiSpace(collapsed[first]))
        ++first;
    while (last > first && isAsciiSpace(collapsed[last - 1]))
        --last;
    return collapsed.substr(first, last - first);
}

std::string chatPrompt(std::string_view userText)
{
    return chatTurn({ChatRole::User, std::string(userText)}) + "Assistant:";
}

std::string systemPrompt(std::string_view systemText)
{
    return chatTurn({ChatRole::System, std::string(systemText)});
}

std::string chatTurn(const ChatMessage& message)
{
    const char* name = message.role == ChatRole::System ? "System: " : message.role == ChatRole::User ? "User: " : "Assistant: ";
    return name + cleanUserText(message.text) + std::string(kTurnEnd);
}

std::string chatTranscript(std::span<const ChatMessage> messages)
{
    std::string out;
    for (const ChatMessage& m : messages) out += chatTurn(m);
    return out + "Assistant:";
}

std::string documentPrompt(std::string_view text)
{
    return "Document: " + normaliseLineEnds(text) + "\n\n";
}

} // namespace rwkv
