// The document reader: any bytes as a .txt file are refused as not UTF-8 or holding a NUL
// (Error), or read into
// pieces that together are the document prompt ("Document: " + the text without a leading BOM,
// CRLF as LF, + "\n\n"; rebuilt here independently), and whose tokens together are the whole
// prompt's tokens (the reader cuts only where the World tokenizer's greedy match restarts).
#include "fuzz_harness.h"

#include "core/document_reader.h"
#include "core/tokenizer/world_tokenizer.h"

namespace {

std::string expectedPrompt(std::string_view text)
{
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
    std::string out = "Document: ";
    for (size_t i = 0; i < text.size(); ++i)
        if (!(text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n')) out += text[i];
    return out + "\n\n";
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using namespace rwkv;
    static const auto tokenizer = WorldTokenizer::load(fuzz::vocabDir() / "rwkv_vocab_v20230424.txt");
    const auto& path = fuzz::scratchFile("fuzz.txt", fuzz::asBytes(data, size));
    std::string prompt;
    std::vector<int32_t> tokens;
    const bool refused = fuzz::refused([&] {
        DocumentPieces pieces(path, *tokenizer);
        while (const auto piece = pieces.next()) {
            prompt += *piece;
            const auto ids = tokenizer->encode(*piece);
            tokens.insert(tokens.end(), ids.begin(), ids.end());
        }
        fuzz::require(pieces.fileBytes() == size, "the reader counted another file size");
    });
    const std::string_view text = fuzz::asText(data, size);
    if (refused) {
        fuzz::require(!fuzz::isValidUtf8(text) || text.find('\0') != std::string_view::npos,
                      "a UTF-8 text file without NUL was refused");
        return 0;
    }
    fuzz::require(prompt == expectedPrompt(text), "the pieces are not the document prompt");
    fuzz::require(tokens == tokenizer->encode(prompt), "the pieces' tokens differ from the whole prompt's");
    return 0;
}
