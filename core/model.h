#pragma once
// A loaded RWKV model on one device and its single entry point, forward(tokens, state).
#include "core/checkpoint.h"
#include "core/device.h"
#include "core/model_config.h"
#include "core/state.h"
#include "core/state_file.h"
#include "core/weights.h"

#include <memory>
#include <span>
#include <vector>

namespace rwkv {

class Model {
public:
    // Builds the model for the checkpoint's generation with matrices stored as matrixType.
    // Progress is reported in tensors converted. Throws Error (Unsupported, BadFile, OutOfMemory).
    static std::unique_ptr<Model> load(const Checkpoint& checkpoint, Device& device, DType matrixType,
                                       const ProgressFn& progress = {});
    virtual ~Model() = default;

    const ModelConfig& config() const { return m_config; }
    const Fingerprint& fingerprint() const { return m_fingerprint; }
    Device& device() { return m_device; }
    DType matrixType() const { return m_matrixType; }
    // Weight bytes resident on the device, and those a decoded token reads (matrices + one emb row).
    size_t weightBytes() const { return m_weights.bytes() + m_emb.size() * 4; }
    size_t bytesPerDecodedToken() const { return m_weights.matrixBytes(); }

    // The initial state: zero, or the tuned state merged into the checkpoint (rwkv-spec §8).
    State newState() const { return m_initialState; }

    // Feeds tokens (ids < vocab) and advances the state. Returns the logits after the last
    // token (V floats), or after every token (T·V floats) when allLogits. Any split of a
    // sequence into calls gives the same logits and state. Throws Error(IncompatibleState)
    // for a state of another model, Error(InvalidArgument) for a bad token id.
    std::vector<float> forward(std::span<const int32_t> tokens, State& state, bool allLogits = false);

protected:
    Model(const Checkpoint& checkpoint, Device& device, DType matrixType, const ModelConfig& config);

    // Runs every block on x [T×C] (embeddings in, residual stream out), advancing the state.
    virtual void forwardBlocks(const DTensor& x, State& state) = 0;

    // Scratch activation memory; rows × cols fp32, valid until the next forward call.
    DTensor scratch(int64_t rows, int64_t cols);
    // The device tensor for a span of the State being fed: the span itself on a host-memory
    // device, else the same floats in the device copy forward() keeps during the call.
    DTensor stateTensor(std::span<float> values, int64_t rows, int64_t cols) const;

    ModelConfig m_config;
    Fingerprint m_fingerprint;
    Device& m_device;
    DType m_matrixType;
    DeviceWeights m_weights;

private:
    void runChunk(std::span<const int32_t> tokens, State& state, float* logitsOut, bool allLogits);

    State m_initialState;
    std::vector<float> m_emb;             // [V×C] fp32 host, ln0 folded in
    DTensor m_lnOutW, m_lnOutB, m_head;
    std::unique_ptr<DeviceBuffer> m_scratchBuffer;
    size_t m_scratchUsed = 0;
    // Device copy of the state for devices without host memory, valid during forward():
    // m_stateHost is the State's data it mirrors (null when the state is used in place).
    std::unique_ptr<DeviceBuffer> m_stateBuffer;
    const float* m_stateHost = nullptr;
};

// Largest number of tokens pushed through the blocks at once (bounds scratch memory).
inline constexpr int kMaxChunkTokens = 128;

} // namespace rwkv
