#include "core/quantized_file.h"

#include "core/error.h"
#include "core/io/safetensors_writer.h"
#include "core/quantize.h"
#include "core/utf8_path.h"

#include <cassert>
#include <cmath>
#include <cstring>
#include <tuple>

namespace rwkv {

namespace {

constexpr std::string_view kQ8Suffix = ".q8_scale", kQ4Suffix = ".q4_scale";
static_assert(kQ8Block == kQ4Block, "one block width: the scale shapes below serve both types");

[[noreturn]] void bad(const Checkpoint& checkpoint, const std::string& what)
{
    throw Error(ErrorCode::BadFile, pathToUtf8(checkpoint.path().filename()) + ": " + what);
}

bool endsWith(std::string_view s, std::string_view tail)
{
    return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

bool isFloatType(DType t) { return t == DType::F32 || t == DType::F16 || t == DType::BF16 || t == DType::F64; }

std::string scaleName(const TensorView& values)
{
    return values.dtype == DType::I8 ? q8ScaleName(values.name) : q4ScaleName(values.name);
}

// A stray scale tensor: its values must be there, of the type the suffix says.
void checkScaleTensor(const Checkpoint& checkpoint, const TensorView& t)
{
    for (auto [suffix, type, what] : {std::tuple{kQ8Suffix, DType::I8, "int8"}, std::tuple{kQ4Suffix, DType::U8, "q4"}}) {
        if (!endsWith(t.name, suffix)) continue;
        const TensorView* values = checkpoint.find(t.name.substr(0, t.name.size() - suffix.size()));
        if (!values || values->dtype != type) bad(checkpoint, "'" + t.name + "' scales no " + what + " tensor");
    }
}

} // namespace

bool isLinearWeight(std::string_view name)
{
    if (name == "head.weight") return true;
    for (std::string_view tail : {".receptance.weight", ".key.weight", ".value.weight", ".gate.weight", ".output.weight"})
        if (endsWith(name, tail) && name.rfind("blocks.", 0) == 0) return true;
    return false;
}

bool isQuantizedScale(std::string_view name) { return endsWith(name, kQ8Suffix) || endsWith(name, kQ4Suffix); }
std::string q8ScaleName(std::string_view name) { return std::string(name) + std::string(kQ8Suffix); }
std::string q4ScaleName(std::string_view name) { return std::string(name) + std::string(kQ4Suffix); }

DType quantizedFileType(DType deviceType) { return deviceType == DType::Q4 ? DType::U8 : DType::I8; }
DType quantizedDeviceType(DType fileType) { return fileType == DType::U8 ? DType::Q4 : DType::Q8; }

int64_t logicalColumns(const TensorView& t) { return t.dtype == DType::U8 ? t.shape.at(1) * 2 : t.shape.at(1); }

void checkQuantizedTensors(const Checkpoint& checkpoint)
{
    for (const TensorView& t : checkpoint.tensors()) {
        checkScaleTensor(checkpoint, t);
        if (t.dtype != DType::I8 && t.dtype != DType::U8) continue;
        const bool q4 = t.dtype == DType::U8;
        const std::string what = q4 ? "q4 (u8)" : "int8";
        // A q4 row of whole blocks is a whole number of 16-byte halves of blocks.
        const int64_t rowUnit = q4 ? int64_t(kQ4Block / 2) : int64_t(kQ8Block);
        if (!isLinearWeight(t.name) || t.shape.size() != 2 || t.shape[1] % rowUnit != 0)
            bad(checkpoint, "'" + t.name + "' is " + what + " but not a linear weight with rows of whole 32-value blocks");
        const int64_t blocks = t.shape[1] / rowUnit;
        const std::string name = scaleName(t);
        const TensorView* scale = checkpoint.find(name);
        if (!scale || scale->dtype != DType::F16 || scale->shape.size() != 2 || scale->shape[0] != t.shape[0]
            || scale->shape[1] != blocks)
            bad(checkpoint, "'" + t.name + "' needs its scales '" + name + "' as fp16 [" + std::to_string(t.shape[0]) + ", "
                                + std::to_string(blocks) + "]");
    }
}

const TensorView& checkScales(const Checkpoint& checkpoint, const TensorView& values)
{
    const TensorView& scale = checkpoint.at(scaleName(values)); // shape checked on open
    // q4 scales are signed by design (the block's extreme value maps to -8); int8's never are.
    const bool signedScales = values.dtype == DType::U8;
    for (size_t i = 0; i < size_t(scale.numel()); ++i) {
        const float d = scale.at(i);
        if (!std::isfinite(d) || (d < 0 && !signedScales))
            bad(checkpoint, "'" + scale.name + "' holds a scale that is not a finite" + (signedScales ? "" : " non-negative")
                                + " number");
    }
    return scale;
}

std::vector<std::byte> planarQuantized(const TensorView& values, const TensorView& scales)
{
    std::vector<std::byte> out(values.bytes.size() + scales.bytes.size());
    std::memcpy(out.data(), values.bytes.data(), values.bytes.size());
    std::memcpy(out.data() + values.bytes.size(), scales.bytes.data(), scales.bytes.size());
    return out;
}

QuantizeReport writeQuantizedCheckpoint(const Checkpoint& in, const std::filesystem::path& out, DType type,
                                        const ProgressFn& progress)
{
    assert(type == DType::Q8 || type == DType::Q4);
    QuantizeReport report;
    std::vector<NamedTensor> tensors;
    const auto& all = in.tensors();
    for (size_t i = 0; i < all.size(); ++i) {
        const TensorView& t = all[i];
        if (t.dtype == DType::I8 || t.dtype == DType::U8) // U8 only as checked q4 values (checkQuantizedTensors)
            throw Error(ErrorCode::InvalidArgument, pathToUtf8(in.path().filename()) + " is already quantized");
        report.bytesIn += t.bytes.size();
        const bool quantize = isLinearWeight(t.name) && t.shape.size() == 2 && t.shape[1] % int64_t(kQ8Block) == 0
                              && isFloatType(t.dtype);
        if (!quantize) {
            const auto* b = t.bytes.data();
            tensors.push_back({t.name, t.dtype, t.shape, std::vector<std::byte>(b, b + t.bytes.size())});
        } else {
            std::vector<float> values(size_t(t.numel()));
            convertToFloat(t.bytes.data(), t.dtype, values.size(), values.data());
            for (float v : values)
                if (!std::isfinite(v)) bad(in, "'" + t.name + "' holds a value that is not finite; it cannot be quantized");
            const bool q4 = type == DType::Q4;
            const std::vector<std::byte> planar = q4 ? quantizeQ4(values, t.shape[1]) : quantizeQ8(values, t.shape[1]);
            const auto split = planar.begin() + ptrdiff_t(q4 ? values.size() / 2 : values.size());
            const int64_t rows = t.shape[0], cols = t.shape[1];
            tensors.push_back({t.name, quantizedFileType(type), {rows, q4 ? cols / 2 : cols},
                               std::vector<std::byte>(planar.begin(), split)});
            tensors.push_back({q4 ? q4ScaleName(t.name) : q8ScaleName(t.name), DType::F16, {rows, cols / int64_t(kQ8Block)},
                               std::vector<std::byte>(split, planar.end())});
            ++report.quantized;
        }
        ++report.tensors;
        if (progress) progress(i + 1, all.size());
    }
    for (const NamedTensor& t : tensors) report.bytesOut += t.bytes.size();
    writeSafetensors(out, tensors);
    return report;
}

} // namespace rwkv
