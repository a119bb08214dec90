#pragma once
// The fp32 model a quantized run must equal up to summation order, decoded by the tests' own
// decoder (weight_decode.h). Free of Qt: the GPU model tests use it too.
#include "core/checkpoint.h"
#include "core/dtype.h"

#include <string>

namespace rwkv::test {

// Writes `ck` with every matrix `type` (Q8, Q4) quantizes (nn.Linear weights, head included,
// embedding not) replaced by its decoded values in fp32, and the LoRA factors (RWKV-7 w1 … g2,
// RWKV-6 time_maa_w1/w2 and time_decay_w1/w2) rounded to fp16, as `type` stores them.
void writeDequantizedModel(const Checkpoint& ck, DType type, const std::string& file);

} // namespace rwkv::test
