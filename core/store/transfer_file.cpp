#include "core/store/transfer_file.h"

#include "core/checked_size.h"
#include "core/error.h"
#include "core/utf8_path.h"

#include <xxhash.h>

#include <cstring>
#include <stdexcept>
#include <limits>

namespace rwkv {

namespace {

uint64_t readLe(const std::byte* p, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= uint64_t(std::to_integer<uint8_t>(p[i])) << (8 * i);
    return v;
}

void putLe(std::byte* p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; ++i) p[i] = std::byte(uint8_t(v >> (8 * i)));
}

} // namespace

bool isLowerHex(std::string_view text)
{
    for (const char c : text)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

std::string_view transferKindName(TransferKind kind)
{
    return kind == TransferKind::Conversation ? "conversation" : "state";
}

TransferContents readTransferFile(const std::filesystem::path& path)
{
    TransferContents out;
    out.file = MappedFile::open(path);
    const std::span<const std::byte> all = out.file.bytes();
    const std::string name = pathToUtf8(path);
    const auto bad = [&](const std::string& why) { return Error(ErrorCode::BadFile, name + ": " + why); };
    const auto damaged = [&](const std::string& why) {
        return bad("the transfer file is damaged or truncated (" + why + "); export it again");
    };

    if (all.size() < sizeof kTransferMagic || std::memcmp(all.data(), kTransferMagic, sizeof kTransferMagic) != 0)
        throw bad("not an RWKV Desktop transfer file (.rwkvx): it does not start with RWKVXFER");
    if (all.size() < kTransferHeaderBytes + kTransferTrailerBytes) throw damaged("shorter than its header");
    const uint64_t version = readLe(all.data() + 8, 4);
    if (version != kTransferFormatVersion)
        throw Error(ErrorCode::Unsupported, name + ": transfer format version " + std::to_string(version)
                                                + ", this build reads version " + std::to_string(kTransferFormatVersion)
                                                + " (a newer RWKV Desktop wrote it, or the file is damaged)");
    // The whole-file checksum first: every later size is then the writer's, not a random flip's.
    const size_t bodySize = all.size() - kTransferTrailerBytes;
    const std::string stored(reinterpret_cast<const char*>(all.data() + bodySize), kTransferTrailerBytes);
    if (!isLowerHex(stored) || checksumHex(all.first(bodySize)) != stored) throw damaged("checksum mismatch");

    const uint64_t kind = readLe(all.data() + 12, 4);
    if (kind != uint64_t(TransferKind::State) && kind != uint64_t(TransferKind::Conversation))
        throw bad("unknown transfer kind " + std::to_string(kind));
    out.kind = TransferKind(kind);
    const uint64_t descriptionSize = readLe(all.data() + 16, 8);
    const uint64_t sectionCount = readLe(all.data() + 24, 4);
    size_t at = kTransferHeaderBytes;
    if (descriptionSize > bodySize - at) throw damaged("its description claims " + std::to_string(descriptionSize) + " bytes");
    out.description.assign(reinterpret_cast<const char*>(all.data() + at), size_t(descriptionSize));
    at += size_t(descriptionSize);
    // Each section takes at least its header: a count the file cannot hold is refused before
    // the section list is allocated.
    if (sectionCount > (bodySize - at) / kTransferSectionHeaderBytes)
        throw damaged("it claims " + std::to_string(sectionCount) + " states");
    out.sections.reserve(size_t(sectionCount));
    for (uint64_t i = 0; i < sectionCount; ++i) {
        if (bodySize - at < kTransferSectionHeaderBytes) throw damaged("state " + std::to_string(i) + " is cut short");
        const std::byte* h = all.data() + at;
        const uint64_t dataSize = readLe(h, 8);
        const uint64_t byteSize = readLe(h + 8, 8);
        TransferSection s;
        s.formatVersion = int(readLe(h + 16, 4));
        s.checksum.assign(reinterpret_cast<const char*>(h + 24), 32);
        at += kTransferSectionHeaderBytes;
        const auto end = checkedAdd(at, dataSize);
        if (!end || *end > bodySize)
            throw damaged("state " + std::to_string(i) + " claims " + std::to_string(dataSize) + " bytes");
        if (byteSize > uint64_t(std::numeric_limits<int64_t>::max()))
            throw damaged("state " + std::to_string(i) + " claims " + std::to_string(byteSize) + " bytes");
        s.byteSize = int64_t(byteSize);
        s.data = all.subspan(at, size_t(dataSize));
        at = size_t(*end);
        out.sections.push_back(std::move(s));
    }
    if (at != bodySize) throw damaged(std::to_string(bodySize - at) + " bytes after the last state");
    return out;
}

struct TransferFileWriter::Hash {
    XXH3_state_t* state = XXH3_createState();
    ~Hash() { XXH3_freeState(state); }
};

TransferFileWriter::TransferFileWriter(const std::filesystem::path& path, TransferKind kind, std::string_view description,
                                       uint32_t sectionCount)
    : m_out(path), m_hash(std::make_unique<Hash>()), m_expected(sectionCount)
{
    if (!m_hash->state || XXH3_128bits_reset(m_hash->state) != XXH_OK)
        throw Error(ErrorCode::OutOfMemory, "out of memory for the transfer file's checksum");
    std::byte header[kTransferHeaderBytes]{};
    std::memcpy(header, kTransferMagic, sizeof kTransferMagic);
    putLe(header + 8, kTransferFormatVersion, 4);
    putLe(header + 12, uint32_t(kind), 4);
    putLe(header + 16, description.size(), 8);
    putLe(header + 24, sectionCount, 4);
    put(header);
    put(std::as_bytes(std::span(description.data(), description.size())));
}

TransferFileWriter::~TransferFileWriter() = default;

void TransferFileWriter::put(std::span<const std::byte> bytes)
{
    XXH3_128bits_update(m_hash->state, bytes.data(), bytes.size());
    m_out.write(bytes);
}

void TransferFileWriter::addSection(const EncodedSnapshot& state)
{
    if (m_written == m_expected) throw std::logic_error("more transfer sections than announced");
    if (state.checksum.size() != 32) throw std::logic_error("a snapshot checksum is 32 hex digits");
    std::byte header[kTransferSectionHeaderBytes]{};
    putLe(header, state.data.size(), 8);
    putLe(header + 8, uint64_t(state.byteSize), 8);
    putLe(header + 16, uint32_t(state.formatVersion), 4);
    std::memcpy(header + 24, state.checksum.data(), 32);
    put(header);
    put(state.data);
    ++m_written;
}

void TransferFileWriter::commit()
{
    if (m_written != m_expected) throw std::logic_error("fewer transfer sections than announced");
    const XXH128_hash_t h = XXH3_128bits_digest(m_hash->state);
    m_out.write(checksumHex(h.high64, h.low64));
    m_out.commit();
}

} // namespace rwkv
