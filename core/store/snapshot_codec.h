#pragma once
// Turns a State into the bytes stored in a snapshot row and back: zstd over
// State::serialize(), plus the uncompressed size and an XXH3-128 checksum, verified on load.
#include "core/state.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace rwkv {

// Stored layout: 1 = one zstd frame holding State::serialize() (itself versioned).
inline constexpr int kSnapshotFormatVersion = 1;

struct EncodedSnapshot {
    std::vector<std::byte> data;  // zstd frame
    int64_t byteSize = 0;         // bytes of the uncompressed serialized state
    std::string checksum;         // XXH3-128 of those bytes, 32 hex digits
    int formatVersion = kSnapshotFormatVersion;
};

// The most bytes decompress() allocates when the model is not known: a stored size is a
// claim, and a damaged or hostile row must not make us allocate whatever it says. The state
// of a 14B model is 66 MB.
inline constexpr uint64_t kMaxSnapshotBytes = uint64_t(1) << 30;

// zstd level used by default. A state is mostly fp32 mantissa noise: measured on a real 0.1B
// state, level 1 saves 6.6% of the bytes but makes decompression 9× slower (2.0 vs 0.22 ms,
// most of a restore), so a fast level wins; zero and sparse states (new conversations, tuned
// states) still shrink to almost nothing. Any level gives the same stored format.
inline constexpr int kDefaultSnapshotLevel = -1;

// Holds the zstd contexts and a decompression buffer, so repeated saves and restores reuse
// their memory. Not thread-safe.
class SnapshotCodec {
public:
    // level: zstd compression level (lossless at every level).
    explicit SnapshotCodec(int level = kDefaultSnapshotLevel);
    SnapshotCodec(const SnapshotCodec&) = delete;
    SnapshotCodec& operator=(const SnapshotCodec&) = delete;
    ~SnapshotCodec();

    EncodedSnapshot encode(const State& state);
    // Decompresses and verifies size and checksum, then State::deserialize. Throws
    // Error(Database) naming `what` (e.g. "snapshot 12") when the bytes are damaged, and
    // State::deserialize's Error(IncompatibleState) for other weights or another shape.
    State decode(std::span<const std::byte> data, int64_t byteSize, const std::string& checksum, int formatVersion,
                 const ModelConfig& config, const Fingerprint& weights, const std::string& what);
    // The uncompressed bytes after the same checks, without interpreting them. The span is
    // valid until the next decode or decompress (the buffer is reused: fresh memory for a
    // multi-megabyte state costs more page faults than the decompression itself). A size
    // above `maxBytes` is refused before anything is allocated.
    std::span<const std::byte> decompress(std::span<const std::byte> data, int64_t byteSize, const std::string& checksum,
                                          int formatVersion, const std::string& what,
                                          uint64_t maxBytes = kMaxSnapshotBytes);

private:
    struct Contexts;
    std::unique_ptr<Contexts> m_contexts;
    std::vector<std::byte> m_raw;
    int m_level;
};

// XXH3-128 of bytes as 32 lower-case hex digits.
std::string checksumHex(std::span<const std::byte> bytes);
// An XXH3-128 given as its two halves, in the same text (high half first).
std::string checksumHex(uint64_t high64, uint64_t low64);

} // namespace rwkv
