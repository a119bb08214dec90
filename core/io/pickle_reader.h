#pragma once
// A restricted interpreter for the pickle that torch.save writes as data.pkl: a dict of
// tensors rebuilt from persistent storages. Only torch's tensor-rebuild callables and
// OrderedDict are allowed; nothing is ever imported or executed. Anything else (other
// globals, object-building opcodes) is refused with Error(BadFile).
#include "core/dtype.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace rwkv {

// One tensor of the state dict, as described by the pickle (no bytes yet).
struct PickledTensor {
    std::string name;                // state-dict key
    std::string storageKey;          // archive entry <prefix>/data/<storageKey>
    DType dtype = DType::F32;        // from the storage class (FloatStorage, BFloat16Storage, ...)
    uint64_t storageNumel = 0;       // elements in the whole storage, as recorded in the pickle
    uint64_t storageOffset = 0;      // first element of the tensor inside the storage
    std::vector<int64_t> shape;      // elements per dimension
    std::vector<int64_t> stride;     // elements between neighbours per dimension
};

// Interprets `pickle` (a torch state dict, protocol 2) and returns its tensors in file
// order. `label` names the file in error messages. Throws Error(BadFile), or
// Error(Unsupported) for a torch storage type without a DType here.
std::vector<PickledTensor> readTorchStateDict(std::span<const std::byte> pickle, const std::string& label);

} // namespace rwkv
