#pragma once
// The parts every libFuzzer target of tests/fuzz shares (docs/fuzzing.md):
//  - bad input must end in an rwkv::Error: refused() runs a step and says whether it threw one;
//    any other exception escapes LLVMFuzzerTestOneInput, which libFuzzer reports as a crash;
//  - a property that does not hold is a finding too: require() prints it and aborts;
//  - readers that take a path get the bytes through one scratch file per process;
//  - the structure-aware targets (pickle, safetensors) read their input as records of int64
//    fields and mutate one field at a time towards the values that break size arithmetic.
#include "core/checkpoint.h"
#include "core/model_config.h"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rwkv::fuzz {

inline std::span<const std::byte> asBytes(const uint8_t* data, size_t size)
{
    return {reinterpret_cast<const std::byte*>(data), size};
}

inline std::string_view asText(const uint8_t* data, size_t size)
{
    return {reinterpret_cast<const char*>(data), size};
}

// Runs `step`; true when it threw rwkv::Error (the expected answer to bad input), false when it
// returned. Other exceptions are not caught.
bool refused(const std::function<void()>& step);

// Aborts with `what` when `ok` is false: a broken property is a finding like a crash.
void require(bool ok, const char* what);

// Whether `text` is well-formed UTF-8 (no overlong forms, surrogates or code points past
// U+10FFFF), checked here independently of the code under test.
bool isValidUtf8(std::string_view text);

// Writes `bytes` to this process's scratch file `name` (in /dev/shm where it exists) and
// returns its path; the next call with the same name overwrites it.
const std::filesystem::path& scratchFile(std::string_view name, std::span<const std::byte> bytes);
std::filesystem::path scratchPath(std::string_view name);

// Opens `bytes` as the checkpoint file `name` (through a scratch file) and checks every tensor:
// its bytes match its shape and dtype, and all are read (the fingerprint hashes them), so a view
// past its storage shows up under ASan. nullopt when Checkpoint::open refused the file.
std::optional<Checkpoint> openCheckpoint(std::string_view name, std::span<const std::byte> bytes);

// Where the vocabulary files are (resources/vocab of the source tree).
std::filesystem::path vocabDir();

// The small RWKV-7 model shape the state targets decode against and the seed checkpoints have
// (1 layer, C 16, one head of 16, vocabulary 64), with a fixed weights fingerprint for states.
const ModelConfig& tinyConfig();
const Fingerprint& tinyFingerprint();

// Structure-aware input: byte 0 chooses the mode, odd for records of `fields` little-endian
// int64 values each (a partial tail is ignored), even for raw bytes that go to the reader as is.
struct FieldRecords {
    static bool isRecords(const uint8_t* data, size_t size) { return size > 0 && (data[0] & 1) != 0; }
    static std::span<const std::byte> raw(const uint8_t* data, size_t size)
    {
        return size == 0 ? std::span<const std::byte>() : asBytes(data + 1, size - 1);
    }
    static std::vector<std::vector<int64_t>> read(const uint8_t* data, size_t size, size_t fields);
    static std::vector<uint8_t> write(const std::vector<std::vector<int64_t>>& records);
};

// The custom mutator of both structure-aware targets: on a records input it sets one field to
// a boundary value (0, ±1, 2^15, 2^31, 2^32, 2^62, INT64_MAX, another field of the record ±1,
// ...), nudges it, or duplicates or drops a record; otherwise, and now and then anyway, it
// leaves the bytes to libFuzzer's own mutations.
size_t mutateFieldRecords(uint8_t* data, size_t size, size_t maxSize, unsigned seed, size_t fields);

} // namespace rwkv::fuzz
