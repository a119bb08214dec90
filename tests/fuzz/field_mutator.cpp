// The custom mutator of the structure-aware targets (fuzz_harness.h, mutateFieldRecords). Linked
// only into those targets: it calls libFuzzer's own mutations, which only fuzz targets have.
#include "fuzz_harness.h"

#include <array>
#include <climits>
#include <cstring>
#include <random>

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t maxSize);

namespace rwkv::fuzz {

size_t mutateFieldRecords(uint8_t* data, size_t size, size_t maxSize, unsigned seed, size_t fields)
{
    std::minstd_rand rng(seed);
    auto records = FieldRecords::read(data, size, fields);
    if (!FieldRecords::isRecords(data, size) || records.empty() || rng() % 5 == 0)
        return LLVMFuzzerMutate(data, size, maxSize);

    auto& r = records[rng() % records.size()];
    int64_t& field = r[rng() % fields];
    static constexpr std::array<int64_t, 16> kBoundaries = {
        0, 1, 2, 3, 4, -1, 255, 256, 1 << 15, 65536, int64_t(1) << 31, int64_t(1) << 32,
        int64_t(1) << 62, INT64_MAX, INT64_MIN, INT64_MAX / 2 + 1};
    switch (rng() % 6) {
    case 0:
    case 1: field = kBoundaries[rng() % kBoundaries.size()]; break;
    case 2: field = int64_t(uint64_t(r[rng() % fields]) + uint64_t(rng() % 3) - 1); break; // agree with (or just miss) a sibling
    case 3: field = int64_t(uint64_t(field) + uint64_t(int64_t(rng() % 9) - 4)); break;
    case 4: field = int64_t(uint64_t(field) ^ (uint64_t(1) << (rng() % 64))); break;
    default:
        if (records.size() > 1 && rng() % 2 == 0) records.erase(records.begin() + long(rng() % records.size()));
        else records.push_back(r);
    }
    const std::vector<uint8_t> out = FieldRecords::write(records);
    if (out.size() > maxSize) return LLVMFuzzerMutate(data, size, maxSize);
    std::memcpy(data, out.data(), out.size());
    return out.size();
}

} // namespace rwkv::fuzz
