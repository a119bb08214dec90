#pragma once
// One reply as its tokens are sampled: the sampler with its occurrence penalties, the UTF-8
// decoding, the stop strings and tokens, the token limit and the finish reason. It decides
// nothing about feeding the model, so the single-stream loop (generate) and the server's
// batched steps share it: whoever owns the State feeds each token next() returns.
#include "core/generator.h"
#include "core/stop_matcher.h"
#include "core/tokenizer/utf8_stream_decoder.h"

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rwkv {

class ReplyStream {
public:
    // tokenizer may be null (then no text and no stop strings). onText receives text as soon as
    // it is complete UTF-8 and cannot be part of a stop string. A limit of 0 tokens has ended
    // from the start (reason MaxTokens).
    ReplyStream(const Tokenizer* tokenizer, const GenerationOptions& options,
                std::function<void(std::string_view)> onText = {});

    // Samples the next token from the logits after the last token fed (penalties applied in
    // place). Returns the token to feed, or nullopt when the reply ended without one (a stop
    // token). After a returned token, ended() may be true (stop string, token limit): feed it
    // anyway, so the state holds everything the text shows. Throws Error(InvalidArgument) when
    // no token can be drawn. Only while !ended().
    std::optional<int32_t> next(std::span<float> logits);
    // The reply stops here (reason Cancelled) unless it had ended.
    void cancel();
    // Ends the text: emits what was held back (unless a stop string matched). Call once.
    void finish();

    bool ended() const { return m_ended; }
    StopReason reason() const { return m_reason; }
    const std::vector<int32_t>& tokens() const { return m_tokens; }  // every token next() returned
    const std::string& text() const { return m_text; }              // the text emitted so far

private:
    void emit(const std::string& piece);

    const Tokenizer* m_tokenizer;
    GenerationOptions m_options;
    std::function<void(std::string_view)> m_onText;
    Sampler m_sampler;
    Utf8StreamDecoder m_decoder;
    StopMatcher m_matcher;
    std::vector<int32_t> m_tokens;
    std::string m_text;
    bool m_leading; // the one leading space is still to be dropped (dropLeadingSpace)
    bool m_ended = false;
    StopReason m_reason = StopReason::MaxTokens;
};

} // namespace rwkv
