#pragma once
// A model's memory before loading it, from its shape alone (the file's header): the app's
// precision picker and catalog, `rwkv-cli memory`, and the automatic strategy's "does it fit".
// Per device of a strategy: the weights of its layers, one State, and its working buffers, as
// core/model.cpp and core/weights.cpp allocate them. One conversation: a batched step
// (Model::forwardBatch) adds a State per extra conversation on each device.
#include "core/dtype.h"
#include "core/model_config.h"
#include "core/strategy.h"

#include <cstddef>
#include <string>
#include <vector>

namespace rwkv {

struct DeviceMemory {
    std::string device;  // a strategy's device id: "cpu", "vulkan:0"
    size_t weights = 0;  // matrices, vectors; on the cpu also the fp32 embedding
    size_t state = 0;    // the State's floats held there
    size_t working = 0;  // activations of one chunk and the logits rows
    size_t total() const { return weights + state + working; }
};

// One entry per device the strategy names, in the order first named, with "cpu" always
// present (the embedding and the host State live there). Throws as the loader does for a
// strategy that does not cover the model's layers (Error InvalidArgument).
std::vector<DeviceMemory> estimateMemory(const ModelConfig& config, const Strategy& strategy);

// The whole model's weights at one matrix precision on one device (the picker's figure).
size_t estimatedWeightBytes(const ModelConfig& config, DType precision);

// A stage's scratch, what Model allocates: every activation of one chunk of kMaxChunkTokens,
// plus a block of logits rows on the last stage.
size_t stageScratchBytes(const ModelConfig& config, bool lastStage);

} // namespace rwkv
