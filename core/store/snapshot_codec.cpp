#include "core/store/snapshot_codec.h"

#include "core/error.h"

#include <xxhash.h>
#include <zstd.h>

#include <cstdio>

namespace rwkv {

struct SnapshotCodec::Contexts {
    ZSTD_CCtx* compress = ZSTD_createCCtx();
    ZSTD_DCtx* decompress = ZSTD_createDCtx();
    ~Contexts()
    {
        ZSTD_freeCCtx(compress);
        ZSTD_freeDCtx(decompress);
    }
};

std::string checksumHex(uint64_t high64, uint64_t low64)
{
    char text[33];
    std::snprintf(text, sizeof text, "%016llx%016llx", static_cast<unsigned long long>(high64),
                  static_cast<unsigned long long>(low64));
    return text;
}

std::string checksumHex(std::span<const std::byte> bytes)
{
    const XXH128_hash_t h = XXH3_128bits(bytes.data(), bytes.size());
    return checksumHex(h.high64, h.low64);
}

SnapshotCodec::SnapshotCodec(int level) : m_contexts(std::make_unique<Contexts>()), m_level(level)
{
    if (!m_contexts->compress || !m_contexts->decompress)
        throw Error(ErrorCode::OutOfMemory, "out of memory for the snapshot compressor");
}

SnapshotCodec::~SnapshotCodec() = default;

EncodedSnapshot SnapshotCodec::encode(const State& state)
{
    const std::vector<std::byte> raw = state.serialize();
    EncodedSnapshot out;
    out.byteSize = int64_t(raw.size());
    out.checksum = checksumHex(raw);
    out.data.resize(ZSTD_compressBound(raw.size()));
    const size_t n = ZSTD_compressCCtx(m_contexts->compress, out.data.data(), out.data.size(), raw.data(), raw.size(),
                                       m_level);
    if (ZSTD_isError(n)) throw Error(ErrorCode::OutOfMemory, std::string("cannot compress a snapshot: ") + ZSTD_getErrorName(n));
    out.data.resize(n);
    return out;
}

std::span<const std::byte> SnapshotCodec::decompress(std::span<const std::byte> data, int64_t byteSize,
                                                     const std::string& checksum, int formatVersion, const std::string& what,
                                                     uint64_t maxBytes)
{
    if (formatVersion != kSnapshotFormatVersion)
        throw Error(ErrorCode::Database, what + " has storage format " + std::to_string(formatVersion)
                                             + ", which this build cannot read; use a newer RWKV Desktop");
    const auto damaged = [&](const std::string& why) {
        return Error(ErrorCode::Database, what + " is damaged (" + why + "); it cannot be restored");
    };
    const unsigned long long frameSize = ZSTD_getFrameContentSize(data.data(), data.size());
    if (byteSize <= 0 || frameSize != static_cast<unsigned long long>(byteSize)) throw damaged("wrong size");
    if (uint64_t(byteSize) > maxBytes)
        throw damaged("it claims " + std::to_string(byteSize) + " bytes, more than the " + std::to_string(maxBytes)
                      + " a state can have");
    m_raw.resize(static_cast<size_t>(byteSize));
    const size_t n = ZSTD_decompressDCtx(m_contexts->decompress, m_raw.data(), m_raw.size(), data.data(), data.size());
    if (ZSTD_isError(n)) throw damaged(std::string("zstd: ") + ZSTD_getErrorName(n));
    if (n != m_raw.size()) throw damaged("wrong size");
    if (checksumHex(m_raw) != checksum) throw damaged("checksum mismatch");
    return m_raw;
}

State SnapshotCodec::decode(std::span<const std::byte> data, int64_t byteSize, const std::string& checksum,
                            int formatVersion, const ModelConfig& config, const Fingerprint& weights,
                            const std::string& what)
{
    const auto raw = decompress(data, byteSize, checksum, formatVersion, what, State::serializedSize(config));
    return State::deserialize(raw, config, weights);
}

} // namespace rwkv
