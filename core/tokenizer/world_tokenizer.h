#pragma once
// RWKV World tokenizer (rwkv_vocab_v20230424.txt, spec §6.1): greedy longest match over bytes.
#include "core/tokenizer/tokenizer.h"

#include <filesystem>
#include <memory>

namespace rwkv {

class WorldTokenizer final : public Tokenizer {
public:
    // Ids the World models have; the file defines 1..65529, 0 is end of text.
    static constexpr size_t kVocabSize = 65536;

    // Parses the vocabulary file. Throws Error(Io) if it cannot be read and
    // Error(BadFile, "<file>:<line>: ...") for any malformed line.
    static std::unique_ptr<WorldTokenizer> load(const std::filesystem::path& vocabFile);

    std::vector<int32_t> encode(std::string_view utf8) const override;
    std::string_view tokenBytes(int32_t id) const override;
    size_t vocabSize() const override { return kVocabSize; }
    std::string_view name() const override { return "world"; }

private:
    // One trie node; the children of a node are the nodes [firstChild, firstChild + childCount),
    // sorted by the byte in m_labels, so a lookup is a search in a short contiguous range.
    struct Node {
        uint32_t firstChild = 0;
        uint16_t childCount = 0;
        int32_t tokenId = 0; // 0: no token ends here
    };

    WorldTokenizer() = default;
    void buildTrie(std::span<const uint32_t> lineOfId, const std::filesystem::path& file);

    std::string m_bytes;              // all token strings back to back
    std::vector<uint32_t> m_offsets;  // token id -> [m_offsets[id], m_offsets[id + 1]) in m_bytes
    std::vector<Node> m_nodes;        // m_nodes[0] is the root
    std::vector<uint8_t> m_labels;    // byte on the edge into each node
};

} // namespace rwkv
