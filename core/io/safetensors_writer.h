#pragma once
// Writes tensors to a safetensors file (used by `rwkv-cli make-random` and by tests).
#include "core/dtype.h"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace rwkv {

struct NamedTensor {
    std::string name;
    DType dtype = DType::F32;
    std::vector<int64_t> shape;    // elements per dimension
    std::vector<std::byte> bytes;  // row-major little-endian data, numel * dtypeSize(dtype) bytes
};

// Writes `tensors` in the given order to `path`, atomically: a temporary file beside it is
// renamed over `path` once complete. Throws Error(InvalidArgument) for inconsistent tensors
// (byte count vs shape, duplicate or reserved names) and Error(Io) when the OS refuses
// (disk full, no permission); a failed write leaves no partial file behind.
void writeSafetensors(const std::filesystem::path& path, const std::vector<NamedTensor>& tensors);

} // namespace rwkv
