#include "core/reply_stream.h"

#include <algorithm>

namespace rwkv {

ReplyStream::ReplyStream(const Tokenizer* tokenizer, const GenerationOptions& options, std::function<void(std::string_view)> onText)
    : m_tokenizer(tokenizer), m_options(options), m_onText(std::move(onText)), m_sampler(options.sampling),
      m_matcher(tokenizer ? options.stopStrings : std::vector<std::string>{}), m_leading(options.dropLeadingSpace),
      m_ended(options.maxTokens <= 0)
{
}

void ReplyStream::emit(const std::string& piece)
{
    std::string_view text = piece;
    if (m_leading && !text.empty()) {
        if (text[0] == ' ') text.remove_prefix(1);
        m_leading = false;
    }
    if (text.empty()) return;
    m_text += text;
    if (m_onText) m_onText(text);
}

std::optional<int32_t> ReplyStream::next(std::span<float> logits)
{
    const int32_t token = m_sampler.sample(logits);
    if (std::find(m_options.stopTokens.begin(), m_options.stopTokens.end(), token) != m_options.stopTokens.end()) {
        m_ended = true;
        m_reason = StopReason::StopToken;
        return std::nullopt;
    }
    m_tokens.push_back(token);
    const std::string_view bytes = m_tokenizer ? m_tokenizer->tokenBytes(token) : std::string_view{};
    m_sampler.accept(token, m_options.exemptWhitespaceDigits ? occurrenceWeight(bytes) : 1.0f);
    emit(m_matcher.push(m_decoder.push(bytes)));
    if (m_matcher.stopped()) {
        m_ended = true;
        m_reason = StopReason::StopString;
    } else if (int(m_tokens.size()) >= m_options.maxTokens) {
        m_ended = true;
        m_reason = StopReason::MaxTokens;
    }
    return token;
}

void ReplyStream::cancel()
{
    if (m_ended) return;
    m_ended = true;
    m_reason = StopReason::Cancelled;
}

void ReplyStream::finish()
{
    if (m_matcher.stopped()) return;
    emit(m_matcher.push(m_decoder.flush()));
    emit(m_matcher.flush());
}

} // namespace rwkv
