#pragma once
// Quantized checkpoints (`rwkv-cli quantize`): a plain safetensors file in which each matrix
// the loader would store as int8 (the linear weights and the head, design.md "int8 weights")
// is two tensors instead of one:
//   NAME            I8  [rows, cols]        the int8 values q, row-major
//   NAME.q8_scale   F16 [rows, cols / 32]   one scale d per block of 32 values of a row
// w ≈ q · d, exactly core/quantize.h's arithmetic, so `cpu int8` on this file computes what it
// computes on the original, without quantizing again. Every other tensor is copied unchanged.
// Its fingerprint is its own (other tensors, other bytes): states saved on the original are
// not offered for it.
#include "core/checkpoint.h"

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace rwkv {

// Whether the loader stores `name` through its matrix type (DeviceWeights::linear).
bool isLinearWeight(std::string_view name);
std::string q8ScaleName(std::string_view name);

// Throws Error(BadFile) naming the tensor unless every I8 tensor of `checkpoint` is a linear
// weight with whole blocks and its scale tensor (F16, [rows, cols / 32]), and no scale is
// without its values. Checkpoint::open calls it, so nothing later meets a stray I8 tensor.
void checkQuantizedTensors(const Checkpoint& checkpoint);

// An I8 matrix and its scales in the device's Q8 layout (core/quantize.h). Throws
// Error(BadFile) naming the tensor for a scale that is NaN, infinite or negative.
std::vector<std::byte> planarQ8(const Checkpoint& checkpoint, const TensorView& values);

struct QuantizeReport {
    size_t tensors = 0, quantized = 0;
    uint64_t bytesIn = 0, bytesOut = 0; // tensor data only
};

// Writes `in` with its linear weights as int8 to `out` (atomically, see writeSafetensors).
// `progress` gets (tensors done, tensors in all). Throws Error(InvalidArgument) for an input
// that is already quantized.
QuantizeReport writeQuantizedCheckpoint(const Checkpoint& in, const std::filesystem::path& out,
                                        const ProgressFn& progress = {});

} // namespace rwkv
