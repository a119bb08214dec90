#pragma once
// A model's weight memory at a matrix precision from its shape alone, before loading (the
// app's precision picker, `rwkv-cli info`): the embedding in fp32 as the loader keeps it,
// every other parameter at the precision. Vectors (fp32) and, under int8 and q4, the LoRA
// factors (fp16) make the loaded size a few per cent more for small models.
#include "core/dtype.h"
#include "core/model_config.h"

#include <cstddef>

namespace rwkv {

size_t estimatedWeightBytes(const ModelConfig& config, DType precision);

} // namespace rwkv
