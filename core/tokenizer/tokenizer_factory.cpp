#include "core/tokenizer/tokenizer_factory.h"

#include "core/error.h"
#include "core/tokenizer/neox_tokenizer.h"
#include "core/tokenizer/world_tokenizer.h"

#include <string>

namespace rwkv {

std::unique_ptr<Tokenizer> tokenizerForVocab(int vocabSize, const std::filesystem::path& vocabDir)
{
    if (vocabSize == static_cast<int>(WorldTokenizer::kVocabSize))
        return loadTokenizer("world", vocabDir);
    // RWKV-4 Pile checkpoints round the 50277 NeoX ids up to 50304 rows for faster matmuls.
    if (vocabSize == static_cast<int>(NeoxTokenizer::kVocabSize) || vocabSize == 50304)
        return loadTokenizer("neox", vocabDir);
    return nullptr;
}

std::unique_ptr<Tokenizer> loadTokenizer(std::string_view name, const std::filesystem::path& vocabDir)
{
    if (name == "world")
        return WorldTokenizer::load(vocabDir / kWorldVocabFile);
    if (name == "neox") {
#if RWKV_WITH_NEOX
        return NeoxTokenizer::load(vocabDir / kNeoxVocabFile);
#else
        // The NeoX tokenizer needs ICU (Unicode classes, NFC), which this build does not link.
        throw Error(ErrorCode::Unsupported, "the GPT-NeoX tokenizer (RWKV-4 Pile models) is not in this build of RWKV Desktop; "
                                            "load the model with --tokenizer none and give token ids with --tokens");
#endif
    }
    throw Error(ErrorCode::InvalidArgument, "unknown tokenizer '" + std::string(name) + "' (world, neox)");
}

} // namespace rwkv
