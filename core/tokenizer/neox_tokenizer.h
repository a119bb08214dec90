#pragma once
// GPT-NeoX-20B byte-level BPE tokenizer (20B_tokenizer.json, spec §6.2), as used by RWKV-4
// Pile/Raven models. Produces the same ids as the Hugging Face `tokenizers` library.
#include "core/tokenizer/neox_pretokenizer.h"
#include "core/tokenizer/tokenizer.h"

#include <array>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace rwkv {

class NeoxTokenizer final : public Tokenizer {
public:
    // Ids in 20B_tokenizer.json: 50254 BPE tokens and 23 added tokens.
    static constexpr size_t kVocabSize = 50277;

    // Parses a Hugging Face `tokenizers` JSON file with a byte-level BPE model. Throws Error(Io) if
    // it cannot be read, Error(BadFile, "<file>: ...") if it is malformed or incomplete, and
    // Error(Unsupported, "<file>: ...") for pipeline options other than those of the NeoX file.
    static std::unique_ptr<NeoxTokenizer> load(const std::filesystem::path& jsonFile);

    // Ids for UTF-8 text. Unlike the World tokenizer this cannot encode arbitrary bytes (some have no
    // token): ill-formed UTF-8 is first repaired, each maximal ill-formed subpart becoming U+FFFD,
    // which is what `tokenizers` sees when Python decodes such bytes with errors="replace".
    // Special tokens written in the text (`<|endoftext|>`, `<|padding|>`) become their ids.
    std::vector<int32_t> encode(std::string_view utf8) const override;
    // Raw bytes of one token; empty for special tokens (ids 0 and 1) and ids outside the vocabulary.
    std::string_view tokenBytes(int32_t id) const override;
    // One past the highest id in the file (50277 for 20B_tokenizer.json).
    size_t vocabSize() const override { return m_offsets.empty() ? 0 : m_offsets.size() - 1; }
    std::string_view name() const override { return "neox"; }

private:
    struct Merge {
        uint32_t rank;  // position in `merges`: lower merges first
        int32_t result; // id of the concatenated token
    };

    struct Loader; // fills a tokenizer from the parsed JSON (neox_tokenizer.cpp)

    NeoxTokenizer() = default;
    // Steps 2–5 for one NFC-normalised stretch of text between special tokens.
    void encodeNormalized(std::string_view text, std::vector<int32_t>& out) const;
    // Step 5 for one pre-token, through the cache.
    void encodePiece(std::string_view piece, std::vector<int32_t>& out) const;
    // Step 5 without the cache: byte ids merged by rank until no adjacent pair has a merge.
    void bytePairEncode(std::string_view piece, std::vector<int32_t>& out) const;
    const Merge* findMerge(int32_t left, int32_t right) const;

    std::string m_bytes;                       // raw bytes of all tokens back to back
    std::vector<uint32_t> m_offsets;           // id -> [m_offsets[id], m_offsets[id + 1]) in m_bytes
    std::array<int32_t, 256> m_byteIds{};      // token of each single byte; -1 where there is none
    std::unordered_map<uint64_t, Merge> m_merges; // key: left id << 32 | right id
    std::vector<neox::AddedToken> m_rawTokens; // matched before normalisation (normalized: false)
    std::vector<neox::AddedToken> m_normalizedTokens; // matched after NFC (normalized: true)
    bool m_nfc = false;                        // normalizer is NFC (else none)

    // Lets the cache be searched with a string_view, without building a std::string per piece.
    struct StringHash {
        using is_transparent = void;
        size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };

    // Pre-token bytes -> ids. Text repeats words, so most pieces skip BPE; guarded for
    // concurrent encode() calls.
    mutable std::mutex m_cacheMutex;
    mutable std::unordered_map<std::string, std::vector<int32_t>, StringHash, std::equal_to<>> m_cache;
};

} // namespace rwkv
