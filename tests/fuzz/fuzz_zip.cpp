// The ZIP reader: any bytes as an archive; every entry it lists must lie inside the archive,
// and reading each one (stored or refused) must stay inside it too.
#include "fuzz_harness.h"

#include "core/io/zip_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using namespace rwkv;
    const auto archive = fuzz::asBytes(data, size);
    fuzz::refused([&] {
        const ZipReader zip(archive, "fuzz.zip");
        for (const ZipEntry& e : zip.entries()) {
            fuzz::require(e.dataOffset <= size && e.size <= size - e.dataOffset, "an entry lies outside the archive");
            fuzz::require(zip.find(e.name) != nullptr, "a listed entry is not found by name");
            fuzz::refused([&] {
                const auto bytes = zip.contents(e);
                fuzz::require(bytes.data() == reinterpret_cast<const std::byte*>(data) + e.dataOffset &&
                                  bytes.size() == e.size,
                              "contents() differs from the entry");
            });
        }
    });
    return 0;
}
