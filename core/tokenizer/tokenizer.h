#pragma once
// Tokenizer interface shared by the RWKV World tokenizer and the GPT-NeoX BPE tokenizer.
// Text is UTF-8; tokens are int32 ids in [0, vocabSize()).
#include <array>
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rwkv {

class Tokenizer {
public:
    virtual ~Tokenizer() = default;

    // Token ids for the UTF-8 bytes of `utf8`. Invalid UTF-8 is not rejected: World encodes
    // it byte for byte, NeoX replaces it with U+FFFD first.
    virtual std::vector<int32_t> encode(std::string_view utf8) const = 0;
    // Concatenated raw bytes of the tokens; may end inside a UTF-8 sequence (use Utf8StreamDecoder).
    std::string decode(std::span<const int32_t> ids) const;
    // Raw bytes of one token; empty for id 0 (end of text) and for ids without a string.
    virtual std::string_view tokenBytes(int32_t id) const = 0;
    // Number of ids the model's embedding has (65536 for World), including ids without a string.
    virtual size_t vocabSize() const = 0;
    // Short stable name, e.g. "world".
    virtual std::string_view name() const = 0;

    // [a][b]: some token's bytes hold byte a followed by byte b (where a text may be cut and
    // tokenized in pieces: DocumentPieces). A pass over the whole vocabulary, so it is made
    // once, on first use, and kept.
    using BytePairs = std::array<std::bitset<256>, 256>;
    const BytePairs& bytePairsInTokens() const;

private:
    mutable std::once_flag m_bytePairsOnce;
    mutable std::unique_ptr<BytePairs> m_bytePairs;
};

} // namespace rwkv
