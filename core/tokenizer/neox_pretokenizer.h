#pragma once
// Text preparation for the GPT-NeoX-20B tokenizer (spec §6.2 steps 1–3): added-token split,
// UTF-8 repair, NFC normalisation and the GPT-2 pre-tokenizer split. Unicode properties come from ICU.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rwkv::neox {

// A token whose `content` is matched literally in the text before BPE (spec §6.2 steps 1–2).
struct AddedToken {
    std::string content; // UTF-8, not empty
    int32_t id;
};

// A stretch of text between added tokens (id < 0) or one matched added token (id >= 0).
struct Segment {
    std::string_view text; // view into the split text
    int32_t id;
};

// Appends to `segments` the split of `text` on `tokens`, leftmost-longest: scanning left to right,
// at the first position where any token matches take the longest one there. Covers `text` in order.
void splitAddedTokens(std::string_view text, std::span<const AddedToken> tokens, std::vector<Segment>& segments);

// `bytes` with every ill-formed UTF-8 subsequence replaced by U+FFFD, one per maximal
// ill-formed subpart (what Python's bytes.decode(errors="replace") gives). Valid input is returned as is.
std::string repairUtf8(std::string_view bytes);

// NFC normal form of valid UTF-8 text; `utf8` itself when it is already NFC (e.g. all ASCII).
std::string toNfc(std::string_view utf8);

// Appends to `pieces` the GPT-2 pre-tokens of valid UTF-8 `utf8` (views into it, in order,
// together covering it): the matches of 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+|
// ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+ with \s = White_Space, as the `tokenizers` library splits.
void splitGpt2(std::string_view utf8, std::vector<std::string_view>& pieces);

} // namespace rwkv::neox
