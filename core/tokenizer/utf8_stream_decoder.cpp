#include "core/tokenizer/utf8_stream_decoder.h"

#include <cstddef>
#include <cstdint>

namespace rwkv {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD"; // U+FFFD

enum class Scan { Complete, Invalid, Incomplete };

struct ScanResult {
    Scan kind;
    size_t length; // Complete: sequence length; Invalid: bytes to replace; Incomplete: bytes seen
};

// Classifies the sequence starting at bytes[0] following Unicode Table 3-7 (well-formed UTF-8).
// The allowed range of the second byte depends on the lead byte; that is what excludes
// overlongs (E0, F0), surrogates (ED) and code points above U+10FFFF (F4).
ScanResult scanSequence(std::string_view bytes)
{
    const auto lead = static_cast<uint8_t>(bytes[0]);
    if (lead < 0x80)
        return {Scan::Complete, 1};
    size_t length = 0;
    uint8_t secondLow = 0x80;
    uint8_t secondHigh = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        if (lead == 0xE0)
            secondLow = 0xA0;
        else if (lead == 0xED)
            secondHigh = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        if (lead == 0xF0)
            secondLow = 0x90;
        else if (lead == 0xF4)
            secondHigh = 0x8F;
    } else {
        return {Scan::Invalid, 1}; // continuation byte, C0, C1 or F5..FF as lead
    }
    for (size_t k = 1; k < length; ++k) {
        if (k >= bytes.size())
            return {Scan::Incomplete, k};
        const auto b = static_cast<uint8_t>(bytes[k]);
        const uint8_t low = k == 1 ? secondLow : uint8_t{0x80};
        const uint8_t high = k == 1 ? secondHigh : uint8_t{0xBF};
        // The offending byte is not consumed: it may start the next sequence.
        if (b < low || b > high)
            return {Scan::Invalid, k};
    }
    return {Scan::Complete, length};
}

} // namespace

bool isValidUtf8(std::string_view bytes)
{
    size_t pos = 0;
    while (pos < bytes.size()) {
        const ScanResult r = scanSequence(bytes.substr(pos));
        if (r.kind != Scan::Complete)
            return false;
        pos += r.length;
    }
    return true;
}

std::string Utf8StreamDecoder::push(std::string_view bytes)
{
    // The pending tail is at most 3 bytes, so joining it with the new bytes is cheap.
    std::string input = std::move(m_pending);
    input.append(bytes);
    m_pending.clear();

    std::string out;
    out.reserve(input.size());
    const std::string_view view(input);
    size_t pos = 0;
    while (pos < view.size()) {
        const ScanResult r = scanSequence(view.substr(pos));
        if (r.kind == Scan::Complete) {
            out.append(view.substr(pos, r.length));
        } else if (r.kind == Scan::Invalid) {
            out.append(kReplacement);
        } else {
            m_pending.assign(view.substr(pos));
            break;
        }
        pos += r.length;
    }
    return out;
}

std::string Utf8StreamDecoder::flush()
{
    // A held tail is a valid prefix, i.e. one maximal ill-formed subpart once the stream ends.
    std::string out = m_pending.empty() ? std::string() : std::string(kReplacement);
    m_pending.clear();
    return out;
}

} // namespace rwkv
