#include "core/tokenizer/tokenizer.h"

namespace rwkv {

std::string Tokenizer::decode(std::span<const int32_t> ids) const
{
    size_t size = 0;
    for (const int32_t id : ids) size += tokenBytes(id).size();
    std::string out;
    out.reserve(size);
    for (const int32_t id : ids) out.append(tokenBytes(id));
    return out;
}

const Tokenizer::BytePairs& Tokenizer::bytePairsInTokens() const
{
    std::call_once(m_bytePairsOnce, [this] {
        auto pairs = std::make_unique<BytePairs>();
        for (size_t id = 0; id < vocabSize(); ++id) {
            const std::string_view bytes = tokenBytes(int32_t(id));
            for (size_t i = 1; i < bytes.size(); ++i)
                (*pairs)[static_cast<unsigned char>(bytes[i - 1])].set(static_cast<unsigned char>(bytes[i]));
        }
        m_bytePairs = std::move(pairs);
    });
    return *m_bytePairs;
}

} // namespace rwkv
