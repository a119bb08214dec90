#pragma once
// A loaded checkpoint: named tensors of a PyTorch .pth (zip + restricted pickle) or a
// safetensors file, memory-mapped where the file allows. Format is chosen by content.
#include "core/dtype.h"

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace rwkv {

// Progress of a long operation: done and total in the same unit (bytes here).
using ProgressFn = std::function<void(uint64_t done, uint64_t total)>;

// Read-only view of one tensor, always contiguous row-major (strided storages are
// materialised by the loader). Bytes stay valid while the Checkpoint lives. They usually
// point into the mapped file and need not be aligned to the element size: read them with
// memcpy (as at() does), not through a cast pointer.
struct TensorView {
    std::string name;
    DType dtype = DType::F32;
    std::vector<int64_t> shape;
    std::span<const std::byte> bytes;

    int64_t numel() const;
    // Element i as float (F32/F16/BF16/F64 tensors).
    float at(size_t i) const { return loadAsFloat(bytes.data(), dtype, i); }
};

// XXH3-128 over tensor names, shapes, dtypes and bytes, in name order (same value for a
// .pth and a safetensors file holding the same tensors), in canonical big-endian byte order.
using Fingerprint = std::array<uint8_t, 16>;
// 32 lower-case hex digits.
std::string fingerprintHex(const Fingerprint& fp);

class Checkpoint {
public:
    // Opens a .pth or safetensors file. Throws Error(BadFile/Unsupported/Io) with a
    // message naming the file and what is wrong; never executes pickle code. `progress`
    // gets (bytes of the file checked so far, file size in bytes): first (0, size), then
    // once per tensor, last (size, size). Tensor data is mapped, not read, while opening.
    static Checkpoint open(const std::filesystem::path& path, const ProgressFn& progress = {});

    Checkpoint(Checkpoint&&) noexcept;
    Checkpoint& operator=(Checkpoint&&) noexcept;
    ~Checkpoint();

    const std::filesystem::path& path() const;
    // Tensors in file order.
    const std::vector<TensorView>& tensors() const;
    // nullptr when absent.
    const TensorView* find(std::string_view name) const;
    // Throws Error(BadFile) "missing tensor NAME" when absent.
    const TensorView& at(std::string_view name) const;
    // Computed once, on first call.
    const Fingerprint& fingerprint() const;

    // Keeps every TensorView's bytes valid after this Checkpoint is gone: for weights used in
    // place from the mapped file (core/weights.h).
    std::shared_ptr<const void> keepAlive() const { return m_impl; }
    // Drops the mapped pages of tensor bytes that were converted and are not needed again, so
    // loading does not keep the whole file resident (MappedFile::dropPages; reading them again
    // stays correct).
    void releasePages(std::span<const std::byte> bytes) const;

    struct Impl;

private:
    explicit Checkpoint(std::shared_ptr<Impl> impl);
    std::shared_ptr<Impl> m_impl;
};

} // namespace rwkv
