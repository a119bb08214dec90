#include "core/io/safetensors_reader.h"

#include "core/checked_size.h"
#include "core/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <string_view>

namespace rwkv {

namespace {

// The reference implementation refuses headers above 100 MB; so do we.
constexpr uint64_t kMaxHeaderSize = 100'000'000;
constexpr int kMaxJsonDepth = 16;
constexpr size_t kMaxDims = 64; // as the pickle reader

uint64_t headerLength(std::span<const std::byte> file)
{
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | uint64_t(file[size_t(i)]);
    return n;
}

// A real header nests three levels; refusing deep nesting up front keeps a hostile header
// from costing deep recursion anywhere downstream.
bool nestingWithin(std::string_view text, int limit)
{
    int depth = 0;
    bool inString = false;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (inString) {
            if (c == '\\') ++i;
            else if (c == '"') inString = false;
        } else if (c == '"') {
            inString = true;
        } else if (c == '{' || c == '[') {
            if (++depth > limit) return false;
        } else if (c == '}' || c == ']') {
            --depth;
        }
    }
    return true;
}

bool parseDType(const std::string& s, DType& out)
{
    if (s == "F32") out = DType::F32;
    else if (s == "F16") out = DType::F16;
    else if (s == "BF16") out = DType::BF16;
    else if (s == "F64") out = DType::F64;
    else if (s == "I8") out = DType::I8; // a quantized checkpoint's matrices (core/quantized_file.h)
    else if (s == "U8") out = DType::U8; // a q4 checkpoint's packed matrices (core/quantized_file.h)
    else return false;
    return true;
}

} // namespace

bool looksLikeSafetensors(std::span<const std::byte> file)
{
    return file.size() >= 9 && file[8] == std::byte{'{'};
}

std::vector<SafetensorsTensor> readSafetensorsHeader(std::span<const std::byte> file, const std::string& label)
{
    auto fail = [&](const std::string& what) { throw Error(ErrorCode::BadFile, label + ": " + what); };
    if (file.size() < 8) fail("too small for a safetensors header (the file may be truncated)");
    const uint64_t n = headerLength(file);
    if (n > file.size() - 8)
        fail("safetensors header length " + std::to_string(n) + " runs past the end of the file (" +
             std::to_string(file.size()) + " bytes; the file may be truncated)");
    if (n > kMaxHeaderSize) fail("safetensors header is too large (" + std::to_string(n) + " bytes)");

    const std::string_view text(reinterpret_cast<const char*>(file.data() + 8), size_t(n));
    if (!nestingWithin(text, kMaxJsonDepth)) fail("safetensors header is nested too deeply");
    // ordered_json keeps the header's order, which breaks ties between empty tensors.
    const auto header = nlohmann::ordered_json::parse(text, nullptr, false);
    if (header.is_discarded() || !header.is_object()) fail("safetensors header is not a valid JSON object");

    const uint64_t dataStart = 8 + n;
    const uint64_t dataSize = file.size() - dataStart;
    std::vector<SafetensorsTensor> tensors;
    for (const auto& [name, info] : header.items()) {
        if (name == "__metadata__") continue;
        const std::string where = "tensor '" + name + "'";
        if (!info.is_object()) fail(where + " is not described by a JSON object");
        const auto dtype = info.find("dtype");
        const auto shape = info.find("shape");
        const auto offsets = info.find("data_offsets");
        if (dtype == info.end() || !dtype->is_string() || shape == info.end() || !shape->is_array() ||
            offsets == info.end() || !offsets->is_array() || offsets->size() != 2)
            fail(where + " needs dtype, shape and data_offsets");

        SafetensorsTensor t;
        t.name = name;
        const auto dtypeName = dtype->get<std::string>();
        if (!parseDType(dtypeName, t.dtype))
            throw Error(ErrorCode::Unsupported, label + ": " + where + " has dtype '" + dtypeName +
                                                    "'; only F32, F16, BF16 and F64 are supported");
        if (shape->size() > kMaxDims) fail(where + " has too many dimensions");
        for (const auto& d : *shape) {
            if (!d.is_number_unsigned() || d.get<uint64_t>() > uint64_t(INT64_MAX)) fail(where + " has an invalid shape");
            t.shape.push_back(int64_t(d.get<uint64_t>()));
        }
        const auto numel = elementCount(t.shape);
        const auto product = numel ? checkedMul(*numel, dtypeSize(t.dtype)) : std::nullopt;
        if (!product) fail(where + " has a shape whose element count overflows");
        const uint64_t bytes = *product;
        const auto& begin = (*offsets)[0];
        const auto& end = (*offsets)[1];
        if (!begin.is_number_unsigned() || !end.is_number_unsigned()) fail(where + " has invalid data_offsets");
        const auto b = begin.get<uint64_t>();
        const auto e = end.get<uint64_t>();
        if (b > e || e > dataSize)
            fail(where + " data_offsets [" + std::to_string(b) + ", " + std::to_string(e) +
                 "] run past the end of the data (" + std::to_string(dataSize) + " bytes; the file may be truncated)");
        if (e - b != bytes)
            fail(where + " has " + std::to_string(e - b) + " bytes of data but its shape needs " +
                 std::to_string(bytes));
        t.offset = dataStart + b;
        t.size = bytes;
        tensors.push_back(std::move(t));
    }

    std::stable_sort(tensors.begin(), tensors.end(),
                     [](const SafetensorsTensor& x, const SafetensorsTensor& y) { return x.offset < y.offset; });
    const SafetensorsTensor* previous = nullptr;
    for (const auto& t : tensors) {
        if (t.size == 0) continue;
        if (previous && t.offset < previous->offset + previous->size)
            fail("tensors '" + previous->name + "' and '" + t.name + "' overlap");
        previous = &t;
    }
    return tensors;
}

} // namespace rwkv
