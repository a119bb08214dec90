#include "core/io/safetensors_writer.h"

#include "core/error.h"
#include "core/io/stdio_file.h"
#include "core/utf8_path.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <system_error>
#include <unordered_set>

namespace rwkv {

namespace {

const char* safetensorsDType(DType t)
{
    switch (t) {
    case DType::F32: return "F32";
    case DType::F16: return "F16";
    case DType::BF16: return "BF16";
    case DType::F64: return "F64";
    case DType::I64: return "I64";
    case DType::I32: return "I32";
    case DType::U8: return "U8";
    case DType::I8: return "I8";
    case DType::Q8: case DType::Q4: break; // device types only; files store I8 / U8 values and F16 scales (core/quantized_file.h)
    }
    return "?";
}

std::string buildHeader(const std::vector<NamedTensor>& tensors)
{
    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    std::unordered_set<std::string> names;
    uint64_t offset = 0;
    for (const NamedTensor& t : tensors) {
        if (t.name == "__metadata__" || !names.insert(t.name).second)
            throw Error(ErrorCode::InvalidArgument, "safetensors: duplicate or reserved tensor name '" + t.name + "'");
        uint64_t numel = 1;
        for (int64_t d : t.shape) {
            if (d < 0) throw Error(ErrorCode::InvalidArgument, "safetensors: negative dimension in '" + t.name + "'");
            numel *= uint64_t(d);
        }
        if (numel * dtypeSize(t.dtype) != t.bytes.size())
            throw Error(ErrorCode::InvalidArgument, "safetensors: tensor '" + t.name + "' has " +
                                                        std::to_string(t.bytes.size()) + " bytes but its shape needs " +
                                                        std::to_string(numel * dtypeSize(t.dtype)));
        header[t.name] = {{"dtype", safetensorsDType(t.dtype)},
                          {"shape", t.shape},
                          {"data_offsets", {offset, offset + t.bytes.size()}}};
        offset += t.bytes.size();
    }
    std::string text = header.dump();
    // Readers may map the data section directly: the header is padded with spaces so the data
    // starts on a 64-byte cache line after the 8-byte length, and tensors whose offsets are
    // multiples of 64 (every matrix of the real shapes) can be used in place (core/weights.h).
    text.append((64 - (8 + text.size()) % 64) % 64, ' ');
    return text;
}

} // namespace

void writeSafetensors(const std::filesystem::path& path, const std::vector<NamedTensor>& tensors)
{
    const std::string header = buildHeader(tensors);
    std::filesystem::path temp = path;
    temp += ".partial";

    auto fail = [&](std::FILE* f, const std::string& what, int err) {
        if (f) std::fclose(f);
        std::error_code ignored;
        std::filesystem::remove(temp, ignored);
        throw Error(ErrorCode::Io, pathToUtf8(path) + ": " + what + ": " + describeIoError(err) + "; nothing was written");
    };

    std::FILE* f = openStdioFile(temp, "wb");
    if (!f) fail(nullptr, "cannot create", errno);

    unsigned char length[8];
    for (int i = 0; i < 8; ++i) length[i] = static_cast<unsigned char>(uint64_t(header.size()) >> (8 * i));
    bool ok = std::fwrite(length, 1, 8, f) == 8 && std::fwrite(header.data(), 1, header.size(), f) == header.size();
    for (const NamedTensor& t : tensors) {
        if (!ok) break;
        if (!t.bytes.empty()) ok = std::fwrite(t.bytes.data(), 1, t.bytes.size(), f) == t.bytes.size();
    }
    // A full disk often shows up only when buffered data is flushed, so check every step.
    if (!ok || std::fflush(f) != 0) fail(f, "cannot write", errno);
    if (!syncToDisk(f)) fail(f, "cannot write", errno);
    if (std::fclose(f) != 0) fail(nullptr, "cannot write", errno);

    std::error_code ec;
    std::filesystem::rename(temp, path, ec);
    if (ec) fail(nullptr, "cannot rename the finished file into place", ec.value());
}

} // namespace rwkv
