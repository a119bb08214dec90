#pragma once
// A whole file mapped read-only into memory (mmap on POSIX, a file mapping on Windows).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>

namespace rwkv {

class MappedFile {
public:
    // Maps the whole file. Throws Error(Io) naming the path and the OS reason on failure.
    // An empty file maps to an empty span.
    static MappedFile open(const std::filesystem::path& path);

    MappedFile() = default;
    MappedFile(MappedFile&& other) noexcept;
    MappedFile& operator=(MappedFile&& other) noexcept;
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;
    ~MappedFile();

    // The file contents; valid while this object lives. Not aligned beyond the page.
    std::span<const std::byte> bytes() const { return {m_data, m_size}; }
    // Size in bytes.
    uint64_t size() const { return m_size; }
    // Lets the OS drop the resident pages wholly inside `range` (a part of bytes()); reading
    // them again faults them back in from the file. For data already converted, so loading a
    // model does not keep the whole file resident. A no-op on Windows and outside the mapping.
    void dropPages(std::span<const std::byte> range) const noexcept;

private:
    void release() noexcept;

    const std::byte* m_data = nullptr;
    size_t m_size = 0;
};

} // namespace rwkv
