#pragma once
// Picks and loads the tokenizer a model needs (design.md: vocab 65536 -> World, 50277/50304 -> NeoX).
#include "core/tokenizer/tokenizer.h"

#include <filesystem>
#include <memory>
#include <string_view>

namespace rwkv {

// Vocabulary files expected in a vocab directory (build/share/rwkv-desktop/vocab when installed).
inline constexpr std::string_view kWorldVocabFile = "rwkv_vocab_v20230424.txt";
inline constexpr std::string_view kNeoxVocabFile = "20B_tokenizer.json";

// The tokenizer for a model with `vocabSize` embedding rows, loaded from `vocabDir`: World for
// 65536, NeoX for 50277 (or 50304, the padded size some checkpoints use); nullptr for any other
// size (the model then takes token ids only). Throws what the tokenizer's load() throws.
std::unique_ptr<Tokenizer> tokenizerForVocab(int vocabSize, const std::filesystem::path& vocabDir);

// The tokenizer called `name` ("world" or "neox"), loaded from `vocabDir`. Throws
// Error(InvalidArgument) for another name, and what the tokenizer's load() throws.
std::unique_ptr<Tokenizer> loadTokenizer(std::string_view name, const std::filesystem::path& vocabDir);

} // namespace rwkv
