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

} // namespace rwkv
