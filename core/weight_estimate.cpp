#include "core/weight_estimate.h"

namespace rwkv {

size_t estimatedWeightBytes(const ModelConfig& config, DType precision)
{
    const size_t embedding = size_t(config.vocab) * size_t(config.nEmbd);
    const size_t rest = size_t(config.paramCount) > embedding ? size_t(config.paramCount) - embedding : 0;
    return storageBytes(DType::F32, embedding) + storageBytes(precision, rest);
}

} // namespace rwkv
