#include "core/state_file.h"

#include "core/error.h"
#include "core/utf8_path.h"

#include <algorithm>

namespace rwkv {

namespace {

std::string key(int layer) { return "blocks." + std::to_string(layer) + ".att.time_state"; }

// Copies every layer's time_state into a fresh state; both are [h][value][key].
State fromTensors(const Checkpoint& ck, const ModelConfig& config, const Fingerprint& weights)
{
    const std::string file = pathToUtf8(ck.path().filename());
    if (config.generation == Generation::X040)
        throw Error(ErrorCode::Unsupported, file + ": RWKV-4 models have no tuned states");
    const std::vector<int64_t> want = {config.nHead, config.headSize, config.headSize};
    State s(config, weights);
    for (int i = 0; i < config.nLayer; ++i) {
        const TensorView* t = ck.find(key(i));
        if (!t)
            throw Error(ErrorCode::IncompatibleState, file + ": no " + key(i) + "; the state was tuned for a model with fewer layers than "
                                                          + std::to_string(config.nLayer));
        if (t->shape != want)
            throw Error(ErrorCode::IncompatibleState,
                        file + ": " + key(i) + " does not fit this model (" + std::to_string(config.nHead) + " heads of "
                            + std::to_string(config.headSize) + "); it was tuned for another model");
        if (t->dtype != DType::F32 && t->dtype != DType::F16 && t->dtype != DType::BF16)
            throw Error(ErrorCode::Unsupported, file + ": " + key(i) + " has an unsupported dtype");
        convertToFloat(t->bytes.data(), t->dtype, size_t(t->numel()), s.wkv(i).data());
    }
    return s;
}

int countStateTensors(const Checkpoint& ck)
{
    return int(std::count_if(ck.tensors().begin(), ck.tensors().end(),
                             [](const TensorView& t) { return t.name.ends_with(".att.time_state"); }));
}

} // namespace

State loadStateFile(const std::filesystem::path& path, const ModelConfig& config, const Fingerprint& weights)
{
    const Checkpoint ck = Checkpoint::open(path);
    const std::string file = pathToUtf8(path.filename());
    if (ck.find("emb.weight")) throw Error(ErrorCode::BadFile, file + " is a model, not a state file");
    const int count = countStateTensors(ck);
    if (count == 0 || size_t(count) != ck.tensors().size())
        throw Error(ErrorCode::BadFile, file + ": not a state file (expected only blocks.N.att.time_state tensors)");
    if (count != config.nLayer)
        throw Error(ErrorCode::IncompatibleState, file + " has " + std::to_string(count) + " layers; this model has "
                                                      + std::to_string(config.nLayer));
    return fromTensors(ck, config, weights);
}

std::optional<State> mergedTunedState(const Checkpoint& checkpoint, const ModelConfig& config,
                                      const Fingerprint& weights)
{
    if (countStateTensors(checkpoint) == 0) return std::nullopt;
    return fromTensors(checkpoint, config, weights);
}

} // namespace rwkv
