// The GPT-NeoX tokenizer: any bytes encode to ids of the vocabulary; text that is valid UTF-8,
// already NFC (the tokenizer normalises) and free of special-token text ("<|", which becomes
// an id with no bytes) decodes back to itself.
#include "fuzz_harness.h"

#include "core/tokenizer/neox_tokenizer.h"

#include <unicode/normalizer2.h>
#include <unicode/unistr.h>

namespace {

bool isNfc(std::string_view utf8)
{
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
    const icu::UnicodeString text = icu::UnicodeString::fromUTF8(icu::StringPiece(utf8.data(), int32_t(utf8.size())));
    const bool normalized = nfc->isNormalized(text, status);
    return U_SUCCESS(status) && normalized;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using namespace rwkv;
    static const auto tokenizer = NeoxTokenizer::load(fuzz::vocabDir() / "20B_tokenizer.json");
    if (size > 4096) return 0; // BPE is quadratic in a piece's length; long inputs only slow the search
    const std::string_view text = fuzz::asText(data, size);
    const std::vector<int32_t> ids = tokenizer->encode(text);
    for (const int32_t id : ids) fuzz::require(id >= 0 && size_t(id) < tokenizer->vocabSize(), "an id outside the vocabulary");
    if (fuzz::isValidUtf8(text) && text.find("<|") == std::string_view::npos && isNfc(text))
        fuzz::require(tokenizer->decode(ids) == text, "decode(encode(text)) is not the text");
    return 0;
}
