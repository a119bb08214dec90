#pragma once
// Random checkpoints of real shapes, in the official key layout, for benchmarks and tests.
// Values are drawn at the scales of a trained model, so activations stay in range.
#include "core/io/safetensors_writer.h"
#include "core/model_config.h"

#include <cstdint>
#include <vector>

namespace rwkv {

struct RandomModelSpec {
    Generation generation = Generation::X070;
    int layers = 12;
    int width = 768;
    int vocab = 65536;
    int ffn = 0;        // 0: 4·width (RWKV-4/7), 3.5·width rounded down to 32 (RWKV-5/6)
    int headSize = 64;  // ignored for RWKV-4
    DType dtype = DType::BF16;
    uint64_t seed = 1;
};

// Throws Error(InvalidArgument) for a shape that cannot exist (e.g. width not a multiple
// of the head size). LoRA ranks follow the official rules for the width.
std::vector<NamedTensor> makeRandomModel(const RandomModelSpec& spec);

} // namespace rwkv
