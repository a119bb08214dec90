#pragma once
// What test_int8_model and test_q4_model share: whole models under a quantized weight type
// (DType::Q8, DType::Q4) compared with fp32 — logits agreement, the first-order logits bound,
// the demo model on text it was not trained on (the "dequantized model" a quantized run must equal
// is in dequantized_model.h).
#include "core/checkpoint.h"
#include "core/device.h"
#include "core/dtype.h"
#include "support/dequantized_model.h"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace rwkv::test {

// A rows × cols matrix for the quantizers' per-block bounds: row r's magnitude is 2^(r % 20 - 12)
// (down to fp16-subnormal block scales), row 5 is all zero, and column 3 of every 32-block is a
// 30× outlier. Seeded, the same every call.
std::vector<float> variedBlocks(size_t rows, size_t cols);

// Logits comparison of two runs over the same positions.
struct Agreement {
    double maxRelative = 0; // max|a - b| / max|b| over all positions
    double top1 = 0;        // share of positions whose argmax agrees
    size_t positions = 0;
};

Agreement compareLogits(const std::vector<float>& got, const std::vector<float>& ref, size_t vocab);

// The logits after every token of `tokens`, fed `chunk` tokens a call (0: all at once).
std::vector<float> allLogits(const Checkpoint& ck, Device& device, DType type, std::span<const int32_t> tokens,
                             size_t chunk = 0);

// 64 World tokens of plain prose (one sentence, repeated): one chunk of them is past every
// CPU decode loop's rows, so it takes the prefill GEMM.
std::vector<int32_t> proseTokens64();

// The first-order bound on max|Δlogit| / max|logit| of a checkpoint under `type`: the number of
// quantized matrices times the largest relative rms error quantizing one of them (measured here
// with core's quantizer and the tests' own decoder). See quantized_model.cpp for why.
double logitsBound(const Checkpoint& ck, DType type);

// The demo model on five short texts it was not trained on, under `type` against fp32.
struct DemoAgreement {
    size_t positions = 0, agreeing = 0;
    double worst = 0; // the largest maxRelative of a text
};
DemoAgreement demoModelAgreement(Device& cpu, DType type);

} // namespace rwkv::test
