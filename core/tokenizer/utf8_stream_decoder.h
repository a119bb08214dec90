#pragma once
// Turns a stream of raw bytes (e.g. decoded tokens) into valid UTF-8 text, piece by piece.
#include <string>
#include <string_view>

namespace rwkv {

// True if `bytes` is well-formed UTF-8 (no overlongs, surrogates or code points > U+10FFFF).
bool isValidUtf8(std::string_view bytes);

class Utf8StreamDecoder {
public:
    // Appends bytes; returns the text that is complete now. An unfinished sequence at the end is
    // held back (at most 3 bytes); bytes that can never be valid become U+FFFD, one per maximal
    // ill-formed subpart (the Unicode / Python errors="replace" convention). Always valid UTF-8.
    std::string push(std::string_view bytes);
    // Ends the stream: returns U+FFFD if an unfinished sequence was held back, else "".
    std::string flush();

private:
    std::string m_pending; // held-back prefix of an unfinished sequence
};

} // namespace rwkv
