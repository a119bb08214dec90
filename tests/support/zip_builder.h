#pragma once
// Builds small ZIP archives in memory for loader tests: stored entries, optional ZIP64
// records and optional data alignment (padding in the local extra field, as torch.save does).
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rwkv::test {

struct ZipBuildEntry {
    std::string name;
    std::string data;
    uint16_t method = 0; // written as is; the data is never actually compressed
};

struct ZipBuildOptions {
    bool zip64 = false;   // ZIP64 EOCD record + locator, 0xFFFFFFFF fields and zip64 extras
    uint32_t align = 0;   // when > 0, pad each local header so the data starts on this boundary
};

namespace detail {

// CRC-32 a byte at a time through a table of the 256 byte remainders (the bit-by-bit loop made
// the fuzz targets that write an archive per input spend half their time here).
constexpr std::array<uint32_t, 256> kCrcTable = [] {
    std::array<uint32_t, 256> table{};
    for (uint32_t i = 0; i < 256; ++i) {
        uint32_t c = i;
        for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
        table[i] = c;
    }
    return table;
}();

#if defined(__clang__)
// Not traced by the fuzz build's coverage hooks (a compare per byte): they cost the targets
// that write an archive per input more than the code under test did.
#define RWKV_TEST_UNTRACED __attribute__((no_sanitize("coverage")))
#else
#define RWKV_TEST_UNTRACED
#endif

RWKV_TEST_UNTRACED constexpr uint32_t crc32(std::string_view data)
{
    const uint32_t* table = kCrcTable.data();
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < data.size(); ++i) crc = (crc >> 8) ^ table[(crc ^ static_cast<unsigned char>(data[i])) & 0xffu];
    return ~crc;
}
static_assert(crc32("123456789") == 0xcbf43926u); // the standard check value

inline void put(std::string& out, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; ++i) out += char((v >> (8 * i)) & 0xff);
}

} // namespace detail

// Returns the bytes of an archive holding `entries` in order.
inline std::string buildZip(const std::vector<ZipBuildEntry>& entries, const ZipBuildOptions& options = {})
{
    using detail::put;
    constexpr uint64_t kSaturated32 = 0xffffffffu;
    std::string out;
    std::string central;
    for (const ZipBuildEntry& e : entries) {
        const uint64_t localOffset = out.size();
        const uint32_t crc = detail::crc32(e.data);
        std::string localExtra;
        if (options.zip64) {
            put(localExtra, 0x0001, 2);
            put(localExtra, 16, 2);
            put(localExtra, e.data.size(), 8);
            put(localExtra, e.data.size(), 8);
        }
        if (options.align > 0) {
            const uint64_t unpadded = localOffset + 30 + e.name.size() + localExtra.size() + 4;
            const uint64_t pad = (options.align - unpadded % options.align) % options.align;
            put(localExtra, 0x4b46, 2); // a private padding id, like torch's "FB" field
            put(localExtra, pad, 2);
            localExtra.append(pad, 'Z');
        }
        put(out, 0x04034b50, 4);
        put(out, options.zip64 ? 45 : 20, 2);
        put(out, 0, 2);
        put(out, e.method, 2);
        put(out, 0, 4); // time, date
        put(out, crc, 4);
        put(out, options.zip64 ? kSaturated32 : e.data.size(), 4);
        put(out, options.zip64 ? kSaturated32 : e.data.size(), 4);
        put(out, e.name.size(), 2);
        put(out, localExtra.size(), 2);
        out += e.name;
        out += localExtra;
        out += e.data;

        std::string centralExtra;
        if (options.zip64) {
            put(centralExtra, 0x0001, 2);
            put(centralExtra, 24, 2);
            put(centralExtra, e.data.size(), 8);
            put(centralExtra, e.data.size(), 8);
            put(centralExtra, localOffset, 8);
        }
        put(central, 0x02014b50, 4);
        put(central, options.zip64 ? 45 : 20, 2);
        put(central, options.zip64 ? 45 : 20, 2);
        put(central, 0, 2);
        put(central, e.method, 2);
        put(central, 0, 4);
        put(central, crc, 4);
        put(central, options.zip64 ? kSaturated32 : e.data.size(), 4);
        put(central, options.zip64 ? kSaturated32 : e.data.size(), 4);
        put(central, e.name.size(), 2);
        put(central, centralExtra.size(), 2);
        put(central, 0, 2); // comment length
        put(central, 0, 2); // disk
        put(central, 0, 2); // internal attributes
        put(central, 0, 4); // external attributes
        put(central, options.zip64 ? kSaturated32 : localOffset, 4);
        central += e.name;
        central += centralExtra;
    }
    const uint64_t cdOffset = out.size();
    out += central;
    if (options.zip64) {
        const uint64_t record = out.size();
        put(out, 0x06064b50, 4);
        put(out, 44, 8); // size of the rest of the record
        put(out, 45, 2);
        put(out, 45, 2);
        put(out, 0, 4);
        put(out, 0, 4);
        put(out, entries.size(), 8);
        put(out, entries.size(), 8);
        put(out, central.size(), 8);
        put(out, cdOffset, 8);
        put(out, 0x07064b50, 4);
        put(out, 0, 4);
        put(out, record, 8);
        put(out, 1, 4);
    }
    put(out, 0x06054b50, 4);
    put(out, 0, 2);
    put(out, 0, 2);
    put(out, options.zip64 ? 0xffff : entries.size(), 2);
    put(out, options.zip64 ? 0xffff : entries.size(), 2);
    put(out, options.zip64 ? kSaturated32 : central.size(), 4);
    put(out, options.zip64 ? kSaturated32 : cdOffset, 4);
    put(out, 0, 2);
    return out;
}

} // namespace rwkv::test
