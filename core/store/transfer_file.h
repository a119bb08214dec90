#pragma once
// The .rwkvx transfer container (docs/transfer-format.md): magic "RWKVXFER", a format version,
// a kind, a JSON description, state sections holding the snapshot codec's bytes unchanged
// (a zstd frame of State::serialize(), with its size and XXH3-128 checksum), and an XXH3-128
// of the whole file at the end. Only the container: what the description means is transfer.h's.
#include "core/io/atomic_file.h"
#include "core/io/mapped_file.h"
#include "core/store/snapshot_codec.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rwkv {

inline constexpr char kTransferMagic[8] = {'R', 'W', 'K', 'V', 'X', 'F', 'E', 'R'};
inline constexpr uint32_t kTransferFormatVersion = 1;
inline constexpr size_t kTransferHeaderBytes = 32;
inline constexpr size_t kTransferSectionHeaderBytes = 56;
inline constexpr size_t kTransferTrailerBytes = 32; // 32 hex digits

enum class TransferKind : uint32_t { State = 1, Conversation = 2 };

// Whether every character is 0-9 or a-f (checksums and fingerprints as text).
bool isLowerHex(std::string_view text);

// "state" | "conversation".
std::string_view transferKindName(TransferKind kind);

// One state section as read: `data` points into the mapped file.
struct TransferSection {
    std::span<const std::byte> data;  // zstd frame
    int64_t byteSize = 0;             // uncompressed bytes it claims
    std::string checksum;             // XXH3-128 of those bytes, 32 hex digits
    int formatVersion = 0;            // the snapshot codec's storage format
};

// A whole transfer file, checked: magic, version, whole-file checksum, every size within the
// file. The sections' own sizes and checksums are the codec's to check when decoding.
struct TransferContents {
    TransferKind kind = TransferKind::State;
    std::string description;              // UTF-8 JSON text, not yet parsed
    std::vector<TransferSection> sections;
    MappedFile file;                      // keeps the sections' bytes mapped
};

// Throws Error(BadFile) for a file that is not a transfer file, is truncated or damaged
// (naming the file and what is wrong), Error(Unsupported) for a newer format version,
// Error(Io) when it cannot be read. Nothing is allocated from a size before it is checked
// against the file's size.
TransferContents readTransferFile(const std::filesystem::path& path);

// Writes a transfer file section by section (states are added one at a time, so a long
// conversation's states are never all in memory), through an AtomicFileWriter.
class TransferFileWriter {
public:
    // Writes the header and description; `sectionCount` states must follow.
    TransferFileWriter(const std::filesystem::path& path, TransferKind kind, std::string_view description,
                       uint32_t sectionCount);
    ~TransferFileWriter();
    TransferFileWriter(const TransferFileWriter&) = delete;
    TransferFileWriter& operator=(const TransferFileWriter&) = delete;

    void addSection(const EncodedSnapshot& state);
    // Writes the whole-file checksum and puts the file in place.
    void commit();

private:
    void put(std::span<const std::byte> bytes);

    AtomicFileWriter m_out;
    struct Hash;
    std::unique_ptr<Hash> m_hash;
    uint32_t m_expected = 0, m_written = 0;
};

} // namespace rwkv
