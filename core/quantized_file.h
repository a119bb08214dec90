#pragma once
// Quantized checkpoints (`rwkv-cli quantize`): a plain safetensors file in which each matrix
// the loader would store quantized (the linear weights and the head, design.md "int8 weights")
// is two tensors instead of one. int8 (device type Q8):
//   NAME            I8  [rows, cols]        the int8 values q, row-major
//   NAME.q8_scale   F16 [rows, cols / 32]   one scale d per block of 32 values of a row
// q4 (device type Q4):
//   NAME            U8  [rows, cols / 2]    the packed 4-bit values, 16 bytes per block
//   NAME.q4_scale   F16 [rows, cols / 32]   one (signed) scale d per block
// exactly core/quantize.h's arithmetic and bytes, so `cpu int8` / `cpu q4` on such a file
// computes what it computes on the original, without quantizing again. Every other tensor is
// copied unchanged. Its fingerprint is its own (other tensors, other bytes): states saved on
// the original are not offered for it.
#include "core/checkpoint.h"

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace rwkv {

// Whether the loader stores `name` through its matrix type (DeviceWeights::linear).
bool isLinearWeight(std::string_view name);
// Whether `name` is a matrix's scale tensor (NAME.q8_scale, NAME.q4_scale).
bool isQuantizedScale(std::string_view name);
std::string q8ScaleName(std::string_view name);
std::string q4ScaleName(std::string_view name);

// The file type of a quantized device type's values (Q8 → I8, Q4 → U8), and back.
DType quantizedFileType(DType deviceType);
DType quantizedDeviceType(DType fileType);
// Input columns of a matrix as the model sees them: a U8 (q4) tensor packs two per byte.
int64_t logicalColumns(const TensorView& t);

// Throws Error(BadFile) naming the tensor unless every I8 / U8 tensor of `checkpoint` is a
// linear weight with whole blocks and its scale tensor (F16, [rows, cols / 32]), and no scale
// is without its values. Checkpoint::open calls it, so nothing later meets a stray I8 / U8 tensor.
void checkQuantizedTensors(const Checkpoint& checkpoint);

// The scales of an I8 or U8 matrix. Throws Error(BadFile) naming the tensor for a scale that is
// NaN or infinite, or (int8, whose scales are max|w| / 127) negative.
const TensorView& checkScales(const Checkpoint& checkpoint, const TensorView& values);
// A quantized matrix and its scales in the device's planar layout (core/quantize.h).
std::vector<std::byte> planarQuantized(const TensorView& values, const TensorView& scales);

struct QuantizeReport {
    size_t tensors = 0, quantized = 0;
    uint64_t bytesIn = 0, bytesOut = 0; // tensor data only
};

// Writes `in` with its linear weights as `type` (DType::Q8 or DType::Q4) to `out` (atomically,
// see writeSafetensors). `progress` gets (tensors done, tensors in all). Throws
// Error(InvalidArgument) for an input that is already quantized.
QuantizeReport writeQuantizedCheckpoint(const Checkpoint& in, const std::filesystem::path& out, DType type = DType::Q8,
                                        const ProgressFn& progress = {});

} // namespace rwkv
