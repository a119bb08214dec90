#pragma once
// Minimal reader for uncompressed ("stored") ZIP archives held in memory, as written by
// torch.save. Understands ZIP64. Every offset is checked against the buffer, so a
// truncated or hostile archive yields Error(BadFile), never an out-of-bounds read.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rwkv {

struct ZipEntry {
    std::string name;
    uint16_t method = 0;      // 0 = stored; anything else is refused by ZipReader::contents
    uint16_t flags = 0;       // general-purpose bit flags (bit 0: encrypted, refused)
    uint64_t dataOffset = 0;  // byte offset of the entry's data in the archive
    uint64_t size = 0;        // stored size in bytes
};

class ZipReader {
public:
    // Parses the central directory and the local headers of `archive` (borrowed; it must
    // outlive the reader). `label` names the file in error messages. Throws Error(BadFile).
    ZipReader(std::span<const std::byte> archive, std::string label);

    // Entries in central-directory order.
    const std::vector<ZipEntry>& entries() const { return m_entries; }
    // First entry with exactly this name, or nullptr.
    const ZipEntry* find(std::string_view name) const;
    // The entry's bytes inside the archive. Throws Error(BadFile) for a compressed entry.
    std::span<const std::byte> contents(const ZipEntry& entry) const;

private:
    void parse();

    std::span<const std::byte> m_archive;
    std::string m_label;
    std::vector<ZipEntry> m_entries;
};

} // namespace rwkv
