#include "core/memory_estimate.h"

#include "core/model.h"

#include <algorithm>

namespace rwkv {

namespace {

bool onHost(const std::string& device) { return device.starts_with("cpu"); }

// Elements of one layer's nn.Linear matrices (time mix and channel mix), by generation.
size_t layerMatrixElements(const ModelConfig& c)
{
    const size_t C = size_t(c.nEmbd), F = size_t(c.nFfn);
    const size_t squares = c.generation == Generation::X040 ? 5 : c.generation == Generation::X070 ? 4 : 6;
    return squares * C * C + 2 * C * F;
}

// Elements of one layer's LoRA factors, averaged over the layers (RWKV-7's layer 0 has no
// value LoRA); stored at DeviceWeights::smallMatrixType.
size_t layerLoraElements(const ModelConfig& c)
{
    const size_t C = size_t(c.nEmbd), L = size_t(std::max(c.nLayer, 1));
    if (c.generation == Generation::X060) return 2 * C * (5 * size_t(c.loraMix) + size_t(c.loraDecay));
    if (c.generation == Generation::X070)
        return 2 * C * size_t(c.loraDecay + c.loraIclr + c.loraGate) + 2 * C * size_t(c.loraValue) * (L - 1) / L;
    return 0;
}

// One layer's weights at a matrix precision: matrices at it, LoRA factors at the small
// matrix type (fp16 under int8/q4), every other parameter an fp32 vector.
size_t layerWeightBytes(const ModelConfig& c, DType precision)
{
    const size_t C = size_t(c.nEmbd), V = size_t(c.vocab);
    // Everything outside the layers: the embedding and head (V×C each), ln0 and ln_out.
    const size_t outside = 2 * V * C + 4 * C;
    const size_t params = size_t(c.paramCount) > outside ? size_t(c.paramCount) - outside : 0;
    const size_t perLayer = params / size_t(std::max(c.nLayer, 1));
    const size_t matrices = std::min(layerMatrixElements(c), perLayer);
    const size_t lora = std::min(layerLoraElements(c), perLayer - matrices);
    const DType small = isQuantized(precision) ? DType::F16 : precision;
    return storageBytes(precision, matrices) + storageBytes(small, lora) + (perLayer - matrices - lora) * 4;
}

// The head (V×C at the precision) and ln_out, on the last stage.
size_t headWeightBytes(const ModelConfig& c, DType precision)
{
    return storageBytes(precision, size_t(c.vocab) * size_t(c.nEmbd)) + 2 * size_t(c.nEmbd) * 4;
}

DeviceMemory& entry(std::vector<DeviceMemory>& out, const std::string& device)
{
    const std::string id = onHost(device) ? "cpu" : device;
    for (DeviceMemory& m : out)
        if (m.device == id) return m;
    out.push_back({id});
    return out.back();
}

} // namespace

size_t stageScratchBytes(const ModelConfig& config, bool lastStage)
{
    const size_t floats = size_t(kMaxChunkTokens) * size_t(48 * config.nEmbd + 2 * config.nFfn)
                          + (lastStage ? size_t(kHeadRows) * size_t(config.vocab) : 0);
    return floats * 4 + 64 * kScratchAlign;
}

std::vector<DeviceMemory> estimateMemory(const ModelConfig& config, const Strategy& strategy)
{
    std::vector<int> layers;
    for (const StrategyStage& s : strategy.stages) layers.push_back(s.layers);
    const std::vector<std::pair<int, int>> ranges = stageLayerRanges(layers, config.nLayer);

    std::vector<DeviceMemory> out;
    DeviceMemory& host = entry(out, "cpu");
    // The fp32 embedding (ln0 folded in), the model's initial State and a conversation's State,
    // and the logits handed back.
    host.weights += size_t(config.vocab) * size_t(config.nEmbd) * 4;
    host.state += 2 * size_t(config.stateBytes());
    host.working += size_t(config.vocab) * 4;
    const size_t stateLayerBytes = size_t(config.stateFloatsPerLayer()) * 4;
    for (size_t i = 0; i < ranges.size(); ++i) {
        const StrategyStage& s = strategy.stages[i];
        const bool last = i + 1 == ranges.size();
        const size_t n = size_t(ranges[i].second - ranges[i].first);
        DeviceMemory& m = entry(out, s.device);
        m.weights += n * layerWeightBytes(config, s.precision) + (last ? headWeightBytes(config, s.precision) : 0);
        m.working += stageScratchBytes(config, last);
        // A GPU keeps its layers of the State resident; the CPU works on the State's own floats.
        if (!onHost(s.device)) m.state += n * stateLayerBytes;
    }
    return out;
}

size_t estimatedWeightBytes(const ModelConfig& config, DType precision)
{
    return size_t(config.vocab) * size_t(config.nEmbd) * 4 + size_t(config.nLayer) * layerWeightBytes(config, precision)
           + headWeightBytes(config, precision);
}

} // namespace rwkv
