#include "core/quantized_file.h"

#include "core/error.h"
#include "core/io/safetensors_writer.h"
#include "core/quantize.h"
#include "core/utf8_path.h"

#include <cmath>
#include <cstring>

namespace rwkv {

namespace {

constexpr std::string_view kScaleSuffix = ".q8_scale";

[[noreturn]] void bad(const Checkpoint& checkpoint, const std::string& what)
{
    throw Error(ErrorCode::BadFile, pathToUtf8(checkpoint.path().filename()) + ": " + what);
}

bool endsWith(std::string_view s, std::string_view tail)
{
    return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

bool isFloatType(DType t) { return t == DType::F32 || t == DType::F16 || t == DType::BF16 || t == DType::F64; }

} // namespace

bool isLinearWeight(std::string_view name)
{
    if (name == "head.weight") return true;
    for (std::string_view tail : {".receptance.weight", ".key.weight", ".value.weight", ".gate.weight", ".output.weight"})
        if (endsWith(name, tail) && name.rfind("blocks.", 0) == 0) return true;
    return false;
}

std::string q8ScaleName(std::string_view name) { return std::string(name) + std::string(kScaleSuffix); }

void checkQuantizedTensors(const Checkpoint& checkpoint)
{
    for (const TensorView& t : checkpoint.tensors()) {
        if (endsWith(t.name, kScaleSuffix)) {
            const TensorView* values = checkpoint.find(t.name.substr(0, t.name.size() - kScaleSuffix.size()));
            if (!values || values->dtype != DType::I8) bad(checkpoint, "'" + t.name + "' scales no int8 tensor");
            continue;
        }
        if (t.dtype != DType::I8) continue;
        if (!isLinearWeight(t.name) || t.shape.size() != 2 || t.shape[1] % int64_t(kQ8Block) != 0)
            bad(checkpoint, "'" + t.name + "' is int8 but not a linear weight with rows of whole 32-value blocks");
        const TensorView* scale = checkpoint.find(q8ScaleName(t.name));
        if (!scale || scale->dtype != DType::F16 || scale->shape.size() != 2 || scale->shape[0] != t.shape[0]
            || scale->shape[1] != t.shape[1] / int64_t(kQ8Block))
            bad(checkpoint, "'" + t.name + "' needs its scales '" + q8ScaleName(t.name) + "' as fp16 [" + std::to_string(t.shape[0])
                                + ", " + std::to_string(t.shape[1] / int64_t(kQ8Block)) + "]");
    }
}

std::vector<std::byte> planarQ8(const Checkpoint& checkpoint, const TensorView& values)
{
    const TensorView& scale = checkpoint.at(q8ScaleName(values.name)); // shape checked on open
    for (size_t i = 0; i < size_t(scale.numel()); ++i) {
        const float d = scale.at(i);
        if (!std::isfinite(d) || d < 0)
            bad(checkpoint, "'" + scale.name + "' holds a scale that is not a finite non-negative number");
    }
    std::vector<std::byte> out(values.bytes.size() + scale.bytes.size());
    std::memcpy(out.data(), values.bytes.data(), values.bytes.size());
    std::memcpy(out.data() + values.bytes.size(), scale.bytes.data(), scale.bytes.size());
    return out;
}

QuantizeReport writeQuantizedCheckpoint(const Checkpoint& in, const std::filesystem::path& out, const ProgressFn& progress)
{
    QuantizeReport report;
    std::vector<NamedTensor> tensors;
    const auto& all = in.tensors();
    for (size_t i = 0; i < all.size(); ++i) {
        const TensorView& t = all[i];
        if (t.dtype == DType::I8)
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
            const std::vector<std::byte> planar = quantizeQ8(values, t.shape[1]);
            const size_t n = values.size();
            tensors.push_back({t.name, DType::I8, t.shape, std::vector<std::byte>(planar.begin(), planar.begin() + ptrdiff_t(n))});
            tensors.push_back({q8ScaleName(t.name), DType::F16, {t.shape[0], t.shape[1] / int64_t(kQ8Block)},
                               std::vector<std::byte>(planar.begin() + ptrdiff_t(n), planar.end())});
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
