#include "core/strategy.h"

#include "core/error.h"

#include <charconv>
#include <optional>
#include <sstream>

namespace rwkv {

namespace {

std::string_view trim(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool isDeviceId(std::string_view s)
{
    const size_t colon = s.find(':');
    const std::string_view kind = s.substr(0, colon);
    if (kind != "cpu" && kind != "cuda" && kind != "vulkan") return false;
    if (colon == std::string_view::npos) return true;
    int n = 0;
    const auto idx = s.substr(colon + 1);
    auto [p, ec] = std::from_chars(idx.data(), idx.data() + idx.size(), n);
    return ec == std::errc() && p == idx.data() + idx.size() && n >= 0;
}

// "cuda" → "cuda:0"; "cpu:0" → "cpu".
std::string canonicalDevice(std::string_view s)
{
    if (s == "cpu:0") return "cpu";
    if (s.find(':') == std::string_view::npos && s != "cpu") return std::string(s) + ":0";
    return std::string(s);
}

std::optional<DType> precisionNamed(std::string_view s)
{
    if (s == "fp32") return DType::F32;
    if (s == "fp16") return DType::F16;
    if (s == "bf16") return DType::BF16;
    if (s == "int8" || s == "fp16i8") return DType::Q8; // fp16i8: the official package's name for int8 weights
    if (s == "q4") return DType::Q4;
    return std::nullopt;
}

constexpr const char* kPrecisionList = " (fp32, fp16, bf16, int8, q4)";

DType stagePrecision(std::string_view s, std::string_view stage)
{
    if (const auto p = precisionNamed(s)) return *p;
    throw Error(ErrorCode::InvalidArgument,
                "strategy stage '" + std::string(stage) + "': unknown precision '" + std::string(s) + "'" + kPrecisionList);
}

DType defaultPrecision(std::string_view device) { return device.starts_with("cpu") ? DType::F32 : DType::F16; }

} // namespace

DType parsePrecision(std::string_view name)
{
    if (const auto p = precisionNamed(name)) return *p;
    throw Error(ErrorCode::InvalidArgument, "unknown precision '" + std::string(name) + "'" + kPrecisionList);
}

std::string Strategy::text() const
{
    std::string out;
    for (size_t i = 0; i < stages.size(); ++i) {
        if (i) out += " -> ";
        out += stages[i].device + " " + std::string(dtypeName(stages[i].precision));
        if (stages[i].layers >= 0) out += " *" + std::to_string(stages[i].layers);
    }
    return out;
}

Strategy parseStrategy(std::string_view text)
{
    Strategy s;
    size_t pos = 0;
    while (pos <= text.size()) {
        const size_t arrow = text.find("->", pos);
        const std::string_view stage = trim(text.substr(pos, arrow == std::string_view::npos ? text.npos : arrow - pos));
        std::istringstream words{std::string(stage)};
        std::vector<std::string> parts;
        for (std::string w; words >> w;) parts.push_back(w);
        if (parts.empty()) throw Error(ErrorCode::InvalidArgument, "strategy '" + std::string(text) + "' has an empty stage");
        if (!isDeviceId(parts[0]))
            throw Error(ErrorCode::InvalidArgument, "strategy stage '" + std::string(stage) + "': unknown device '" + parts[0]
                                                        + "' (cpu, cuda[:N], vulkan[:N])");
        StrategyStage st;
        st.device = canonicalDevice(parts[0]);
        st.precision = defaultPrecision(st.device);
        size_t i = 1;
        if (i < parts.size() && !parts[i].starts_with("*")) st.precision = stagePrecision(parts[i++], stage);
        if (i < parts.size()) {
            const std::string& n = parts[i++];
            auto [p, ec] = std::from_chars(n.data() + 1, n.data() + n.size(), st.layers);
            if (!n.starts_with("*") || ec != std::errc() || p != n.data() + n.size() || st.layers <= 0)
                throw Error(ErrorCode::InvalidArgument, "strategy stage '" + std::string(stage) + "': expected *LAYERS, got '" + n + "'");
        }
        if (i != parts.size())
            throw Error(ErrorCode::InvalidArgument, "strategy stage '" + std::string(stage) + "': unexpected '" + parts[i] + "'");
        s.stages.push_back(st);
        if (arrow == std::string_view::npos) break;
        pos = arrow + 2;
    }
    return s;
}

Strategy strategyForDevice(std::string_view deviceId)
{
    if (!isDeviceId(deviceId))
        throw Error(ErrorCode::InvalidArgument, "unknown device '" + std::string(deviceId) + "' (cpu, cuda[:N], vulkan[:N])");
    StrategyStage st;
    st.device = canonicalDevice(deviceId);
    st.precision = defaultPrecision(st.device);
    return Strategy{{st}};
}

std::vector<std::pair<int, int>> stageLayerRanges(std::span<const int> stageLayers, int nLayer)
{
    if (stageLayers.empty()) throw Error(ErrorCode::InvalidArgument, "a model needs at least one stage");
    std::vector<std::pair<int, int>> out;
    int next = 0;
    for (size_t i = 0; i < stageLayers.size(); ++i) {
        const int n = stageLayers[i] < 0 ? nLayer - next : stageLayers[i];
        if (n <= 0 || next + n > nLayer)
            throw Error(ErrorCode::InvalidArgument, "stage " + std::to_string(i + 1) + " of the strategy "
                                                        + (n <= 0 ? std::string("gets no layers")
                                                                  : "goes past the model's " + std::to_string(nLayer) + " layers"));
        out.emplace_back(next, next + n);
        next += n;
    }
    if (next != nLayer)
        throw Error(ErrorCode::InvalidArgument, "the strategy places " + std::to_string(next) + " of the model's "
                                                    + std::to_string(nLayer) + " layers (a last stage without *N takes the rest)");
    return out;
}

} // namespace rwkv
