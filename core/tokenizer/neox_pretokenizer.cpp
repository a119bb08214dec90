#include "core/tokenizer/neox_pretokenizer.h"

#include "core/error.h"
#include "core/tokenizer/utf8_stream_decoder.h"

#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>

#include <array>
#include <cstdint>
#include <limits>

namespace rwkv::neox {
namespace {

enum class CharClass : uint8_t { Letter, Number, Space, Other };

// ASCII is most of the text we see; a table avoids calling into ICU for it.
constexpr std::array<CharClass, 128> makeAsciiClasses()
{
    std::array<CharClass, 128> table{};
    for (size_t c = 0; c < table.size(); ++c) {
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))
            table[c] = CharClass::Letter;
        else if (c >= '0' && c <= '9')
            table[c] = CharClass::Number;
        else if ((c >= 0x09 && c <= 0x0D) || c == 0x20) // the ASCII part of White_Space (not 0x1C..0x1F)
            table[c] = CharClass::Space;
        else
            table[c] = CharClass::Other;
    }
    return table;
}
constexpr std::array<CharClass, 128> kAsciiClasses = makeAsciiClasses();

CharClass classify(char32_t cp)
{
    if (cp < 0x80)
        return kAsciiClasses[cp];
    const auto c = static_cast<UChar32>(cp);
    // Oniguruma's Unicode \s is exactly the White_Space property; test it first because the
    // general categories below never overlap with it.
    if (u_isUWhiteSpace(c))
        return CharClass::Space;
    switch (u_charType(c)) {
    case U_UPPERCASE_LETTER:
    case U_LOWERCASE_LETTER:
    case U_TITLECASE_LETTER:
    case U_MODIFIER_LETTER:
    case U_OTHER_LETTER:
        return CharClass::Letter;
    case U_DECIMAL_DIGIT_NUMBER:
    case U_LETTER_NUMBER:
    case U_OTHER_NUMBER:
        return CharClass::Number;
    default:
        return CharClass::Other;
    }
}

struct Char {
    uint32_t length; // bytes
    CharClass cls;
};

// The character at text[pos]; the text is valid UTF-8, so the lead byte gives the length.
Char charAt(std::string_view text, size_t pos)
{
    const auto lead = static_cast<uint8_t>(text[pos]);
    if (lead < 0x80)
        return {1, kAsciiClasses[lead]};
    const uint32_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
    char32_t cp = lead & (0x7Fu >> length);
    for (uint32_t k = 1; k < length; ++k)
        cp = (cp << 6) | (static_cast<uint8_t>(text[pos + k]) & 0x3Fu);
    return {length, classify(cp)};
}

// Length of the contraction ('s 't 're 've 'm 'll 'd) starting at text[pos], or 0.
size_t contractionLength(std::string_view text, size_t pos)
{
    const std::string_view rest = text.substr(pos);
    if (rest.size() >= 2 && (rest[1] == 's' || rest[1] == 't' || rest[1] == 'm' || rest[1] == 'd'))
        return 2;
    if (rest.size() >= 3 && (rest.substr(1, 2) == "re" || rest.substr(1, 2) == "ve" || rest.substr(1, 2) == "ll"))
        return 3;
    return 0;
}

// End of the pre-token starting at text[pos] (the first alternative of the pattern that matches).
size_t pieceEnd(std::string_view text, size_t pos)
{
    const size_t n = text.size();
    if (text[pos] == '\'') {
        if (const size_t length = contractionLength(text, pos))
            return pos + length;
    }
    // " ?\p{L}+", " ?\p{N}+" and " ?[^\s\p{L}\p{N}]+": one optional U+0020, then a run of one class.
    size_t start = pos;
    Char first = charAt(text, pos);
    if (text[pos] == ' ' && pos + 1 < n) {
        start = pos + 1;
        first = charAt(text, start);
    }
    if (first.cls != CharClass::Space) {
        size_t end = start + first.length;
        while (end < n) {
            const Char c = charAt(text, end);
            if (c.cls != first.cls)
                break;
            end += c.length;
        }
        return end;
    }
    // "\s+(?!\S)" then "\s+": a whitespace run followed by text gives up its last character
    // (it starts the next piece, e.g. " word") unless the run is that one character.
    size_t end = pos;
    size_t lastStart = pos;
    while (end < n) {
        const Char c = charAt(text, end);
        if (c.cls != CharClass::Space)
            break;
        lastStart = end;
        end += c.length;
    }
    if (end == n || lastStart == pos)
        return end;
    return lastStart;
}

} // namespace

void splitAddedTokens(std::string_view text, std::span<const AddedToken> tokens, std::vector<Segment>& segments)
{
    // Most positions cannot start any token; the first-byte filter skips them with one lookup.
    std::array<bool, 256> canStart{};
    for (const AddedToken& token : tokens)
        canStart[static_cast<uint8_t>(token.content.front())] = true;
    size_t textStart = 0;
    size_t pos = 0;
    while (pos < text.size()) {
        const AddedToken* best = nullptr;
        if (canStart[static_cast<uint8_t>(text[pos])]) {
            for (const AddedToken& token : tokens) {
                const bool longer = !best || token.content.size() > best->content.size();
                if (longer && text.substr(pos).starts_with(token.content))
                    best = &token;
            }
        }
        if (!best) {
            ++pos;
            continue;
        }
        if (pos > textStart)
            segments.push_back({text.substr(textStart, pos - textStart), -1});
        segments.push_back({text.substr(pos, best->content.size()), best->id});
        pos += best->content.size();
        textStart = pos;
    }
    if (textStart < text.size())
        segments.push_back({text.substr(textStart), -1});
}

std::string repairUtf8(std::string_view bytes)
{
    if (isValidUtf8(bytes))
        return std::string(bytes);
    Utf8StreamDecoder decoder;
    std::string out = decoder.push(bytes);
    out += decoder.flush();
    return out;
}

std::string toNfc(std::string_view utf8)
{
    if (utf8.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max()))
        throw Error(ErrorCode::InvalidArgument, "text too long to tokenize (over 2 GiB)");
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
    if (U_FAILURE(status))
        throw Error(ErrorCode::Unsupported, std::string("ICU has no NFC data: ") + u_errorName(status));
    const icu::StringPiece input(utf8.data(), static_cast<int32_t>(utf8.size()));
    // The quick check is a single pass; most text (all ASCII, most UTF-8 on the web) is already NFC.
    if (nfc->isNormalizedUTF8(input, status) && U_SUCCESS(status))
        return std::string(utf8);
    status = U_ZERO_ERROR;
    std::string out;
    out.reserve(utf8.size());
    icu::StringByteSink<std::string> sink(&out, static_cast<int32_t>(utf8.size()));
    nfc->normalizeUTF8(0, input, sink, nullptr, status);
    if (U_FAILURE(status))
        throw Error(ErrorCode::InvalidArgument, std::string("NFC normalisation failed: ") + u_errorName(status));
    return out;
}

void splitGpt2(std::string_view utf8, std::vector<std::string_view>& pieces)
{
    size_t pos = 0;
    while (pos < utf8.size()) {
        const size_t end = pieceEnd(utf8, pos);
        pieces.push_back(utf8.substr(pos, end - pos));
        pos = end;
    }
}

} // namespace rwkv::neox
