// The safetensors header reader, two ways (docs/fuzzing.md):
//  - raw input (byte 0 even): the bytes after it are a whole safetensors file for readSafetensorsHeader;
//  - records (byte 0 odd): each record is one tensor whose dtype, shape and data offsets are
//    fuzzed; the harness writes a well-formed file (length, JSON header, data) around them and
//    opens it with Checkpoint, which reads every tensor's bytes.
#include "fuzz_harness.h"

#include "core/checkpoint.h"
#include "core/io/safetensors_reader.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace {

using namespace rwkv;

// Fields of one record. Begin = End = 0 asks for data placed right after the previous tensor's,
// as long as the shape needs.
enum Field { Kind, Dims, Shape0, Begin = Shape0 + 4, End, kFields };
constexpr uint64_t kMaxDataBytes = 1 << 16; // what the file actually holds, at most

std::string fileOf(const std::vector<std::vector<int64_t>>& records)
{
    static const char* const kDTypes[] = {"F32", "F16", "BF16", "F64", "I8", "I32", "U8"};
    static const uint64_t kSizes[] = {4, 2, 2, 8, 1, 4, 1};
    nlohmann::json header = nlohmann::json::object();
    uint64_t packedEnd = 0, dataBytes = 0;
    for (size_t i = 0; i < records.size(); ++i) {
        const auto& r = records[i];
        const size_t kind = size_t(uint64_t(r[Kind]) % std::size(kDTypes));
        nlohmann::json shape = nlohmann::json::array();
        uint64_t bytes = kSizes[kind];
        for (size_t d = 0; d < size_t(uint64_t(r[Dims]) % 5); ++d) {
            shape.push_back(uint64_t(r[Shape0 + long(d)]));
            if (__builtin_mul_overflow(bytes, uint64_t(r[Shape0 + long(d)]), &bytes)) bytes = kMaxDataBytes;
        }
        uint64_t begin = uint64_t(r[Begin]), end = uint64_t(r[End]);
        if (begin == 0 && end == 0) {
            begin = packedEnd;
            end = begin + std::min(bytes, kMaxDataBytes);
        }
        packedEnd = std::max(packedEnd, end);
        dataBytes = std::max(dataBytes, std::min(end, kMaxDataBytes));
        header["t" + std::to_string(i)] = {{"dtype", kDTypes[kind]}, {"shape", shape}, {"data_offsets", {begin, end}}};
    }
    header["__metadata__"] = {{"format", "pt"}};
    const std::string json = header.dump();
    std::string file;
    for (int b = 0; b < 8; ++b) file += char((uint64_t(json.size()) >> (8 * b)) & 0xff);
    file += json;
    file.append(size_t(dataBytes), char(0x3c));
    return file;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (!fuzz::FieldRecords::isRecords(data, size)) {
        fuzz::refused([&] { (void)readSafetensorsHeader(fuzz::FieldRecords::raw(data, size), "fuzz.safetensors"); });
        return 0;
    }
    const auto records = fuzz::FieldRecords::read(data, size, kFields);
    if (records.empty() || records.size() > 16) return 0;
    const std::string file = fileOf(records);
    (void)fuzz::openCheckpoint("fuzz.safetensors", std::as_bytes(std::span(file)));
    return 0;
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t maxSize, unsigned seed)
{
    return fuzz::mutateFieldRecords(data, size, maxSize, seed, kFields);
}
