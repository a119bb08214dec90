#include "support/reference_case.h"

#include "support/test_support.h"

#include <nlohmann/json.hpp>

#include <algorithm>
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
        if (cfg.generation == Generation::X070 || cfg.generation == Generation::X040) {
            // v7: both [h][value][key]; v4: aa, bb, pp in the same order.
            out.insert(out.end(), wkv.begin(), wkv.end());
        } else {
            // v5/v6: the package keeps [h][key][value], the transpose of ours.
            const size_t N = size_t(cfg.headSize);
            for (size_t h = 0; h < size_t(cfg.nHead); ++h)
                for (size_t key = 0; key < N; ++key)
                    for (size_t value = 0; value < N; ++value) out.push_back(wkv[h * N * N + value * N + key]);
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

ReferenceRun runReferenceCase(Model& model, const ReferenceCase& ref)
{
    ReferenceRun run;
    State full = model.newState();
    run.logits = model.forward(ref.tokens, full, true);
    run.state.assign(full.data().begin(), full.data().end());
    const size_t V = size_t(model.config().vocab);
    std::vector<float> logits(run.logits.end() - long(V), run.logits.end());
    run.lastError = relativeMaxError(logits, ref.logitsLast);
    run.stateError = relativeMaxError(toReferenceStateLayout(full), ref.stateFlat);
    for (size_t p = 0; p < ref.positions.size(); ++p) {
        const auto begin = run.logits.begin() + long(size_t(ref.positions[p]) * V);
        run.positionsError = std::max(run.positionsError, relativeMaxError({begin, begin + long(V)}, ref.logitsAtPositions[p]));
    }

    State chunked = model.newState();
    size_t pos = 0;
    for (size_t c = 0; c < ref.chunks.size(); ++c) {
        const std::span<const int32_t> piece(ref.tokens.data() + pos, size_t(ref.chunks[c]));
        pos += piece.size();
        run.chunksError = std::max(run.chunksError, relativeMaxError(model.forward(piece, chunked), ref.chunkLogits[c]));
    }
    run.chunkedState.assign(chunked.data().begin(), chunked.data().end());
    run.chunkedStateError = relativeMaxError(toReferenceStateLayout(chunked), ref.stateFlat);

    for (size_t i = 0; i < ref.greedyTokens.size(); ++i) {
        const int32_t tok = int32_t(std::max_element(logits.begin(), logits.end()) - logits.begin());
        run.greedy.push_back(tok);
        logits = model.forward(std::span(&tok, 1), full);
    }
    return run;
}

} // namespace rwkv::test
