#include "fuzz_harness.h"

#include "core/error.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>

namespace rwkv::fuzz {

bool refused(const std::function<void()>& step)
{
    try {
        step();
        return false;
    } catch (const Error&) {
        return true;
    }
}

void require(bool ok, const char* what)
{
    if (ok) return;
    std::fprintf(stderr, "fuzz property broken: %s\n", what);
    std::abort();
}

bool isValidUtf8(std::string_view text)
{
    size_t i = 0;
    while (i < text.size()) {
        const auto lead = static_cast<unsigned char>(text[i]);
        size_t length = 0;
        uint32_t code = 0, minimum = 0;
        if (lead < 0x80) length = 1, code = lead;
        else if ((lead & 0xE0) == 0xC0) length = 2, code = lead & 0x1Fu, minimum = 0x80;
        else if ((lead & 0xF0) == 0xE0) length = 3, code = lead & 0x0Fu, minimum = 0x800;
        else if ((lead & 0xF8) == 0xF0) length = 4, code = lead & 0x07u, minimum = 0x10000;
        else return false;
        if (text.size() - i < length) return false;
        for (size_t k = 1; k < length; ++k) {
            const auto next = static_cast<unsigned char>(text[i + k]);
            if ((next & 0xC0) != 0x80) return false;
            code = (code << 6) | (next & 0x3Fu);
        }
        if (code < minimum || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
        i += length;
    }
    return true;
}

namespace {

std::filesystem::path scratchDir()
{
    return std::filesystem::exists("/dev/shm") ? std::filesystem::path("/dev/shm") : std::filesystem::temp_directory_path();
}

std::string scratchPrefix() { return "rwkv-fuzz-" + std::to_string(getpid()) + "-"; }

// Removes this process's scratch files when it ends normally; after a crash they stay, so the
// file the crashing input was turned into can be kept (tests/data/fuzz).
void removeScratchFiles()
{
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(scratchDir(), ec))
        if (entry.path().filename().string().starts_with(scratchPrefix())) std::filesystem::remove(entry.path(), ec);
}

} // namespace

std::filesystem::path scratchPath(std::string_view name)
{
    static const bool cleanup = std::atexit(removeScratchFiles) == 0;
    (void)cleanup;
    return scratchDir() / (scratchPrefix() + std::string(name));
}

const std::filesystem::path& scratchFile(std::string_view name, std::span<const std::byte> bytes)
{
    static std::map<std::string, std::filesystem::path, std::less<>> paths;
    auto it = paths.find(name);
    if (it == paths.end()) it = paths.emplace(std::string(name), scratchPath(name)).first;
    std::ofstream out(it->second, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    require(bool(out.flush()), "the scratch file could not be written");
    return it->second;
}

std::optional<Checkpoint> openCheckpoint(std::string_view name, std::span<const std::byte> bytes)
{
    const auto& path = scratchFile(name, bytes);
    std::optional<Checkpoint> checkpoint;
    if (refused([&] { checkpoint.emplace(Checkpoint::open(path)); })) return std::nullopt;
    for (const TensorView& t : checkpoint->tensors()) {
        uint64_t expected = 0;
        require(t.numel() >= 0 && !__builtin_mul_overflow(uint64_t(t.numel()), dtypeSize(t.dtype), &expected) &&
                    expected == t.bytes.size(),
                "a tensor's bytes do not match its shape");
    }
    (void)checkpoint->fingerprint();
    return checkpoint;
}

std::filesystem::path vocabDir()
{
    return RWKV_FUZZ_VOCAB_DIR;
}

const ModelConfig& tinyConfig()
{
    static const ModelConfig config = [] {
        ModelConfig c;
        c.generation = Generation::X070;
        c.nLayer = 1;
        c.nEmbd = 16;
        c.nHead = 1;
        c.headSize = 16;
        c.nFfn = 64;
        c.vocab = 64;
        return c;
    }();
    return config;
}

const Fingerprint& tinyFingerprint()
{
    static const Fingerprint fp = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    return fp;
}

std::vector<std::vector<int64_t>> FieldRecords::read(const uint8_t* data, size_t size, size_t fields)
{
    std::vector<std::vector<int64_t>> records;
    const size_t recordBytes = fields * 8;
    for (size_t at = 1; size >= recordBytes && at <= size - recordBytes; at += recordBytes) {
        std::vector<int64_t>& r = records.emplace_back(fields);
        for (size_t f = 0; f < fields; ++f) {
            uint64_t v = 0;
            for (int b = 7; b >= 0; --b) v = (v << 8) | data[at + f * 8 + size_t(b)];
            r[f] = int64_t(v);
        }
    }
    return records;
}

std::vector<uint8_t> FieldRecords::write(const std::vector<std::vector<int64_t>>& records)
{
    std::vector<uint8_t> out{1};
    for (const auto& r : records)
        for (const int64_t field : r)
            for (int b = 0; b < 8; ++b) out.push_back(uint8_t(uint64_t(field) >> (8 * b)));
    return out;
}

} // namespace rwkv::fuzz
