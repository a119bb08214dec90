#include "core/io/zip_reader.h"

#include "core/error.h"

#include <algorithm>
#include <utility>

namespace rwkv {

namespace {

constexpr uint32_t kLocalHeaderSig = 0x04034b50;
constexpr uint32_t kCentralHeaderSig = 0x02014b50;
constexpr uint32_t kEocdSig = 0x06054b50;
constexpr uint32_t kZip64LocatorSig = 0x07064b50;
constexpr uint32_t kZip64EocdSig = 0x06064b50;
constexpr uint64_t kEocdSize = 22;
constexpr uint64_t kZip64LocatorSize = 20;
constexpr uint64_t kZip64EocdSize = 56;
constexpr uint64_t kCentralHeaderSize = 46;
constexpr uint64_t kLocalHeaderSize = 30;
constexpr uint64_t kMaxCommentSize = 0xffff;
constexpr uint16_t kZip64ExtraId = 0x0001;

// True when [offset, offset + length) lies inside a buffer of `size` bytes, without overflow.
bool fits(uint64_t offset, uint64_t length, uint64_t size)
{
    return offset <= size && length <= size - offset;
}

// Little-endian reads; callers have checked the bounds with fits().
uint64_t readLe(const std::byte* p, int bytes)
{
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | uint64_t(p[i]);
    return v;
}

[[noreturn]] void failZip(const std::string& label, const std::string& what)
{
    throw Error(ErrorCode::BadFile, label + ": not a valid zip archive: " + what);
}

} // namespace

ZipReader::ZipReader(std::span<const std::byte> archive, std::string label)
    : m_archive(archive), m_label(std::move(label))
{
    parse();
}

void ZipReader::parse()
{
    const uint64_t size = m_archive.size();
    const std::byte* base = m_archive.data();
    auto u16 = [&](uint64_t at) { return uint16_t(readLe(base + at, 2)); };
    auto u32 = [&](uint64_t at) { return uint32_t(readLe(base + at, 4)); };
    auto u64 = [&](uint64_t at) { return readLe(base + at, 8); };
    auto fail = [&](const std::string& what) { failZip(m_label, what); };

    // The end-of-central-directory record sits at the end, followed only by a comment of
    // at most 64 KiB, so scan backwards over that window for its signature.
    if (size < kEocdSize) fail("too small to hold an end of central directory (the file may be truncated)");
    uint64_t eocd = UINT64_MAX;
    const uint64_t lowest = size - kEocdSize > kMaxCommentSize ? size - kEocdSize - kMaxCommentSize : 0;
    for (uint64_t at = size - kEocdSize + 1; at-- > lowest;) {
        if (u32(at) == kEocdSig && at + kEocdSize + u16(at + 20) <= size) {
            eocd = at;
            break;
        }
    }
    if (eocd == UINT64_MAX) fail("end of central directory not found (the file may be truncated)");
    if (u16(eocd + 4) != 0 || u16(eocd + 6) != 0) fail("multi-part archives are not supported");

    uint64_t entryCount = u16(eocd + 10);
    uint64_t cdSize = u32(eocd + 12);
    uint64_t cdOffset = u32(eocd + 16);

    // A ZIP64 locator right before the record means the real values live in the ZIP64 record.
    if (eocd >= kZip64LocatorSize && u32(eocd - kZip64LocatorSize) == kZip64LocatorSig) {
        const uint64_t record = u64(eocd - kZip64LocatorSize + 8);
        if (!fits(record, kZip64EocdSize, eocd - kZip64LocatorSize) || u32(record) != kZip64EocdSig)
            fail("ZIP64 end of central directory record is missing or out of range");
        if (u32(record + 16) != 0 || u32(record + 20) != 0) fail("multi-part archives are not supported");
        entryCount = u64(record + 32);
        cdSize = u64(record + 40);
        cdOffset = u64(record + 48);
    }
    if (!fits(cdOffset, cdSize, size))
        fail("central directory runs past the end of the file (the file may be truncated)");
    if (entryCount > cdSize / kCentralHeaderSize) fail("central directory is too small for its entry count");

    m_entries.reserve(size_t(entryCount));
    uint64_t at = cdOffset;
    const uint64_t cdEnd = cdOffset + cdSize;
    for (uint64_t i = 0; i < entryCount; ++i) {
        if (!fits(at, kCentralHeaderSize, cdEnd) || u32(at) != kCentralHeaderSig)
            fail("central directory entry " + std::to_string(i) + " is damaged");
        const uint16_t nameLen = u16(at + 28);
        const uint16_t extraLen = u16(at + 30);
        const uint16_t commentLen = u16(at + 32);
        const uint64_t variable = uint64_t(nameLen) + extraLen + commentLen;
        if (!fits(at + kCentralHeaderSize, variable, cdEnd))
            fail("central directory entry " + std::to_string(i) + " runs past the directory");

        ZipEntry entry;
        entry.name.assign(reinterpret_cast<const char*>(base + at + kCentralHeaderSize), nameLen);
        entry.flags = u16(at + 8);
        entry.method = u16(at + 10);
        uint64_t compressed = u32(at + 20);
        uint64_t uncompressed = u32(at + 24);
        uint64_t localOffset = u32(at + 42);

        // ZIP64 extra field: 8-byte replacements, in this fixed order, for exactly those
        // 32-bit fields that hold 0xFFFFFFFF.
        uint64_t extra = at + kCentralHeaderSize + nameLen;
        const uint64_t extraEnd = extra + extraLen;
        while (extra + 4 <= extraEnd) {
            const uint16_t id = u16(extra);
            const uint16_t len = u16(extra + 2);
            if (!fits(extra + 4, len, extraEnd)) fail("entry '" + entry.name + "' has a damaged extra field");
            if (id == kZip64ExtraId) {
                uint64_t field = extra + 4;
                const uint64_t fieldEnd = field + len;
                for (uint64_t* value : {&uncompressed, &compressed, &localOffset}) {
                    if (*value != 0xffffffffu) continue;
                    if (!fits(field, 8, fieldEnd)) fail("entry '" + entry.name + "' has a short ZIP64 extra field");
                    *value = u64(field);
                    field += 8;
                }
            }
            extra += 4 + uint64_t(len);
        }
        if (entry.method == 0 && compressed != uncompressed)
            fail("stored entry '" + entry.name + "' has different compressed and uncompressed sizes");
        entry.size = compressed;

        // The data follows the local header, whose name and extra lengths may differ from
        // the central directory's (ZIP64 and alignment padding live there).
        if (!fits(localOffset, kLocalHeaderSize, size) || u32(localOffset) != kLocalHeaderSig)
            fail("local header of entry '" + entry.name + "' is missing or out of range");
        entry.dataOffset = localOffset + kLocalHeaderSize + u16(localOffset + 26) + u16(localOffset + 28);
        if (!fits(entry.dataOffset, entry.size, size))
            fail("data of entry '" + entry.name + "' runs past the end of the file (the file may be truncated)");

        m_entries.push_back(std::move(entry));
        at += kCentralHeaderSize + variable;
    }
}

const ZipEntry* ZipReader::find(std::string_view name) const
{
    const auto it = std::find_if(m_entries.begin(), m_entries.end(), [&](const ZipEntry& e) { return e.name == name; });
    return it == m_entries.end() ? nullptr : &*it;
}

std::span<const std::byte> ZipReader::contents(const ZipEntry& entry) const
{
    if (entry.flags & 1u)
        throw Error(ErrorCode::BadFile, m_label + ": zip entry '" + entry.name + "' is encrypted");
    if (entry.method != 0)
        throw Error(ErrorCode::BadFile,
                    m_label + ": zip entry '" + entry.name + "' is compressed (method " + std::to_string(entry.method) +
                        "); only uncompressed (stored) entries are supported, as torch.save writes them");
    return m_archive.subspan(size_t(entry.dataOffset), size_t(entry.size));
}

} // namespace rwkv
