#pragma once
// Parser for the safetensors header: an 8-byte little-endian header length, a JSON object
// {name: {dtype, shape, data_offsets}}, then the raw little-endian tensor data.
#include "core/dtype.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace rwkv {

struct SafetensorsTensor {
    std::string name;
    DType dtype = DType::F32;
    std::vector<int64_t> shape;   // elements per dimension
    uint64_t offset = 0;          // byte offset of the data from the start of the file
    uint64_t size = 0;            // bytes
};

// True when `file` starts like a safetensors file (a header length followed by '{').
bool looksLikeSafetensors(std::span<const std::byte> file);

// Parses and validates the header of `file` (the whole file): dtypes F32/F16/BF16/F64,
// sizes matching shapes, data inside the file, no overlaps. Tensors come in data order.
// `label` names the file in messages. Throws Error(BadFile) or Error(Unsupported) (dtype).
std::vector<SafetensorsTensor> readSafetensorsHeader(std::span<const std::byte> file, const std::string& label);

} // namespace rwkv
