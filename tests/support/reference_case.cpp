#include "support/reference_case.h"

#include "support/test_support.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <stdexcept>

namespace rwkv::test {

ReferenceCase loadReferenceCase(const std::string& name)
{
    const auto dir = dataDir() / "reference";
    std::ifstream in(dir / (name + ".json"));
    if (!in) throw std::runtime_error("missing reference case " + name);
    const nlohmann::json j = nlohmann::json::parse(in);
    ReferenceCase c;
    c.name = name;
    c.pth = dir / (name + ".pth");
    c.safetensors = dir / (name + ".safetensors");
    c.tokens = j.at("tokens").get<std::vector<int32_t>>();
    c.logitsLast = j.at("logits_last").get<std::vector<float>>();
    c.positions = j.at("positions").get<std::vector<int>>();
    c.logitsAtPositions = j.at("logits_at_positions").get<std::vector<std::vector<float>>>();
    c.chunks = j.at("chunks").get<std::vector<int>>();
    c.chunkLogits = j.at("chunk_logits").get<std::vector<std::vector<float>>>();
    c.stateFlat = j.at("state_flat").get<std::vector<float>>();
    c.greedyTokens = j.at("greedy_tokens").get<std::vector<int32_t>>();
    return c;
}

std::vector<float> toReferenceStateLayout(const State& state)
{
    const ModelConfig& cfg = state.config();
    const size_t C = size_t(cfg.nEmbd);
    std::vector<float> out;
    out.reserve(state.data().size());
    for (int i = 0; i < cfg.nLayer; ++i) {
        const auto layer = state.layer(i);
        const auto att = layer.subspan(0, C), ffn = layer.subspan(C, C), wkv = layer.subspan(2 * C);
        out.insert(out.end(), att.begin(), att.end());
        if (cfg.generation == Generation::X070) {
            out.insert(out.end(), wkv.begin(), wkv.end()); // both [h][value][key]
        } else {
            throw std::runtime_error("reference state layout for this generation is not written yet");
        }
        out.insert(out.end(), ffn.begin(), ffn.end());
    }
    return out;
}

double relativeMaxError(const std::vector<float>& got, const std::vector<float>& ref)
{
    if (got.size() != ref.size()) return INFINITY;
    double maxDiff = 0, maxRef = 0;
    for (size_t i = 0; i < ref.size(); ++i) {
        maxDiff = std::max(maxDiff, std::fabs(double(got[i]) - double(ref[i])));
        maxRef = std::max(maxRef, std::fabs(double(ref[i])));
    }
    return maxRef > 0 ? maxDiff / maxRef : maxDiff;
}

} // namespace rwkv::test
