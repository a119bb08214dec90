#pragma once
// One case of tests/data/reference (outputs of the official rwkv package; see its README).
#include "core/model.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace rwkv::test {

struct ReferenceCase {
    std::string name;
    std::filesystem::path pth, safetensors;
    std::vector<int32_t> tokens;
    std::vector<float> logitsLast;
    std::vector<int> positions;
    std::vector<std::vector<float>> logitsAtPositions;
    std::vector<int> chunks;
    std::vector<std::vector<float>> chunkLogits;
    std::vector<float> stateFlat; // reference list layout
    std::vector<int32_t> greedyTokens;
};

ReferenceCase loadReferenceCase(const std::string& name);

// Our State in the reference package's state-list layout (per layer att.x_prev, kv, ffn.x_prev).
std::vector<float> toReferenceStateLayout(const State& state);

// max|a - b| / max|ref|; a and b must have the same size.
double relativeMaxError(const std::vector<float>& got, const std::vector<float>& ref);

// A model run through a case the way the official package ran it; errors are relativeMaxError
// against the case, the largest over its positions and chunks.
struct ReferenceRun {
    std::vector<float> logits;       // after every token of the whole sequence
    std::vector<float> state;        // after the whole sequence, our layout
    std::vector<float> chunkedState; // after feeding the case's chunks, our layout
    double lastError = 0, positionsError = 0, stateError = 0, chunksError = 0, chunkedStateError = 0;
    std::vector<int32_t> greedy;     // greedy continuation from the whole sequence, one token a call
};

ReferenceRun runReferenceCase(Model& model, const ReferenceCase& ref);

} // namespace rwkv::test
