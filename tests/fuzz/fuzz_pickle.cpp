// The restricted pickle reader, two ways (docs/fuzzing.md):
//  - raw input (byte 0 even): the bytes after it are a data.pkl for readTorchStateDict;
//  - records (byte 0 odd): each record is one tensor of a state dict whose declared storage
//    class, storage, element count, offset, shape and strides are fuzzed; the harness writes a
//    valid pickle and torch.save archive around them (tests/support/pth_builder.h) and opens it
//    with Checkpoint, so the declared layout meets the loader's size arithmetic and copies.
#include "fuzz_harness.h"
#include "support/pth_builder.h"

#include "core/checkpoint.h"
#include "core/io/pickle_reader.h"

#include <algorithm>
#include <map>

namespace {

using namespace rwkv;

// Fields of one record.
enum Field { Class, Key, StorageNumel, Offset, Dims, Shape0, Stride0 = Shape0 + 4, StorageBytes = Stride0 + 4, kFields };
constexpr uint64_t kMaxStorageBytes = 1 << 16; // what the archive actually holds, at most

const char* storageClass(int64_t selector)
{
    static const char* const kClasses[] = {"FloatStorage", "HalfStorage", "BFloat16Storage", "DoubleStorage",
                                           "LongStorage", "ByteStorage"};
    return kClasses[uint64_t(selector) % std::size(kClasses)];
}

size_t elementSize(const std::string& cls)
{
    return cls == "DoubleStorage" || cls == "LongStorage" ? 8 : cls == "FloatStorage" ? 4 : cls == "ByteStorage" ? 1 : 2;
}

// The archive bytes of a state dict with these tensors: storages hold `StorageBytes` bytes
// (0: as many as the declared element count needs), capped at kMaxStorageBytes.
std::string archiveOf(const std::vector<std::vector<int64_t>>& records)
{
    std::vector<test::pth::FakeTensor> tensors;
    std::map<std::string, std::string> storages;
    for (size_t i = 0; i < records.size(); ++i) {
        const auto& r = records[i];
        test::pth::FakeTensor t;
        t.name = "t" + std::to_string(i);
        t.storageKey = std::to_string(uint64_t(r[Key]) % 4);
        t.storageClass = storageClass(r[Class]);
        t.storageNumel = r[StorageNumel];
        t.offset = r[Offset];
        const size_t dims = size_t(uint64_t(r[Dims]) % 5);
        t.shape.assign(r.begin() + Shape0, r.begin() + Shape0 + long(dims));
        t.stride.assign(r.begin() + Stride0, r.begin() + Stride0 + long(dims));
        tensors.push_back(t);

        uint64_t bytes = uint64_t(r[StorageBytes]);
        uint64_t needed = 0;
        if (bytes == 0)
            bytes = __builtin_mul_overflow(uint64_t(t.storageNumel), elementSize(t.storageClass), &needed) ? kMaxStorageBytes
                                                                                                            : needed;
        bytes = std::min(bytes, kMaxStorageBytes);
        std::string& data = storages[t.storageKey];
        if (data.size() < bytes) data.resize(size_t(bytes), char(0x3c)); // 0x3c3c3c3c: a finite float
    }
    return test::pth::pthArchive(test::pth::stateDictPickle(tensors), {storages.begin(), storages.end()});
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (fuzz::FieldRecords::isRecords(data, size)) {
        const auto records = fuzz::FieldRecords::read(data, size, kFields);
        if (!records.empty() && records.size() <= 16) {
            const std::string archive = archiveOf(records);
            (void)fuzz::openCheckpoint("fuzz.pth", std::as_bytes(std::span(archive)));
        }
        return 0;
    }
    fuzz::refused([&] { (void)readTorchStateDict(fuzz::FieldRecords::raw(data, size), "fuzz.pkl"); });
    return 0;
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t maxSize, unsigned seed)
{
    return fuzz::mutateFieldRecords(data, size, maxSize, seed, kFields);
}
