#pragma once
// A loaded RWKV model and its single entry point, forward(tokens, state). Its layers may be
// split over stages ("cuda fp16 *10 -> cpu fp32"): each stage holds its layers' weights on
// its device; the activations carried from layer to layer move at stage boundaries.
#include "core/checkpoint.h"
#include "core/device.h"
#include "core/model_config.h"
#include "core/state.h"
#include "core/state_file.h"
#include "core/weights.h"

#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

namespace rwkv {

// One stage of a layer split: `layers` consecutive layers (-1: all the remaining ones) on
// `device`, matrices stored as matrixType (fp32, fp16, bf16; int8 where the device supports it).
struct StagePlan {
    Device* device = nullptr;
    DType matrixType = DType::F32;
    int layers = -1;
};

class Model {
public:
    // Builds the model for the checkpoint's generation with matrices stored as matrixType.
    // Progress is reported in layers converted. Throws Error (Unsupported, BadFile, OutOfMemory).
    static std::unique_ptr<Model> load(const Checkpoint& checkpoint, Device& device, DType matrixType,
                                       const ProgressFn& progress = {});
    // The same over stages, in layer order; ln_out and the head go with the last stage.
    // Throws Error(InvalidArgument) when the stages do not cover every layer exactly once.
    static std::unique_ptr<Model> load(const Checkpoint& checkpoint, std::span<const StagePlan> stages,
                                       const ProgressFn& progress = {});
    // Brings home the floats of a State still resident on this model's devices.
    virtual ~Model();

    const ModelConfig& config() const { return m_config; }
    const Fingerprint& fingerprint() const { return m_fingerprint; }
    // The device of the first stage (the only one without a split).
    Device& device() { return *m_stages.front().device; }
    // Where the layers run, e.g. "cpu (AVX2, 2 threads) fp32" or, split,
    // "layers 0-9: NVIDIA H100 (…) fp16; layers 10-23: cpu (…) fp32".
    std::string placement() const;
    // Weight bytes resident on the devices, and those a decoded token reads (matrices + one emb row).
    size_t weightBytes() const;
    // Of weightBytes(), those used in place from the mapped checkpoint file (core/weights.h).
    size_t mappedWeightBytes() const;
    size_t bytesPerDecodedToken() const;
    // Elements of those matrices (the multiply-adds of one token, with the head).
    size_t matrixParameters() const;

    // The initial state: zero, or the tuned state merged into the checkpoint (rwkv-spec §8).
    State newState() const { return m_initialState; }

    // Feeds tokens (ids < vocab) and advances the state. Returns the logits after the last
    // token (V floats), or after every token (T·V floats) when allLogits. Any split of a
    // sequence into calls gives the same logits and state. Throws Error(IncompatibleState)
    // for a state of another model, Error(InvalidArgument) for a bad token id.
    // On devices without host memory the state stays there afterwards (one State at a time per
    // model; see core/state.h): decoding one State moves no state bytes. If a device call
    // throws, a state uploaded by this call keeps its value from before the call; one that was
    // already resident gets what the device holds (partly advanced) or, if that read fails too,
    // its value from before it became resident.
    std::vector<float> forward(std::span<const int32_t> tokens, State& state, bool allLogits = false);

    // The batched step: advances B = states.size() independent States of this model by T tokens
    // each (tokens: B·T ids, sequence after sequence, T ≥ 1) in one pass, so every weight is read
    // once for all of them (the per-token GEMVs become one GEMM). The States may be at different
    // positions. Returns B·V floats: the logits after each sequence's last token, in order.
    // Equal to forward() on each State in turn; B = 1 is exactly forward(). Throws as forward()
    // does, and Error(InvalidArgument) for no States, more than kMaxBatch, the same State twice
    // or a token count that is not a multiple of B. With B > 1 the States stay in the model's
    // batch buffers afterwards (on every device, the CPU too): stepping the same States in the
    // same slots again copies nothing, and a State that changes copies only its slot. A State
    // read, copied or fed alone comes home first (as a resident State does, core/state.h). If a
    // device call throws, a State that joined in this call keeps its value from before it; one
    // already in the batch gets what the buffers hold (partly advanced).
    std::vector<float> forwardBatch(std::span<const int32_t> tokens, std::span<State* const> states);

    // Whole-State copies between the host and this model's devices since load: the tests'
    // proof that decoding keeps the state resident.
    struct StateTransfers {
        int64_t uploads = 0, downloads = 0;
        int64_t batchIn = 0, batchOut = 0; // States copied into / out of the batch buffers
    };
    StateTransfers stateTransfers() const { return m_transfers; }

protected:
    // Resolves the stages (throws as load() says) and loads ln_out and the head.
    Model(const Checkpoint& checkpoint, std::span<const StagePlan> stages, const ModelConfig& config);

    // T×C tensors that flow from layer to layer: x first (embeddings in, residual stream out),
    // then any the generation adds (RWKV-7: v_first). They move along at stage boundaries.
    virtual int carriedCount() const { return 1; }
    // Runs layers [first, end) on d, all in one stage, advancing the State(s) being fed: the
    // carried tensors hold B sequences of T rows each, B = 1 unless this is a batched step.
    virtual void forwardLayers(Device& d, std::span<const DTensor> carried, int first, int end) = 0;

    // The weights of the stage holding `layer`, where that layer's tensors are loaded.
    DeviceWeights& weightsFor(int layer);
    // Scratch activation memory on the running stage's device; rows × cols fp32, valid until
    // the next forward call.
    DTensor scratch(int64_t rows, int64_t cols);
    // The device tensor for a part (rows × cols per State) of layer i of the State(s) being fed:
    // one State's own floats on a host-memory device, else the same floats in the running
    // stage's device copy; in a batched step the B States' parts one after another (B·rows rows).
    DTensor stateTensor(StatePart part, int i, int64_t rows, int64_t cols) const;

    ModelConfig m_config;
    Fingerprint m_fingerprint;

private:
    struct Stage {
        Device* device;
        int first, end; // layers [first, end)
        std::unique_ptr<DeviceWeights> weights;
        std::unique_ptr<DeviceBuffer> scratch;
        // Device copy of this stage's layers of the resident State (devices without host memory).
        std::unique_ptr<DeviceBuffer> stateBuffer;
        // This stage's layers of the States of a batched step, part by part (model_batch.cpp).
        std::unique_ptr<DeviceBuffer> batchBuffer;
    };

    // Throws unless the state belongs to this model and every token id is in the vocabulary.
    void checkInput(std::span<const int32_t> tokens, const State& state) const;
    // Feeds one chunk of B = m_feedBatch sequences of T tokens each (B·T ≤ kMaxChunkTokens).
    // logitsOut receives the logits after every token (allLogits, B = 1) or after each
    // sequence's last token, B rows.
    void runChunk(std::span<const int32_t> tokens, float* logitsOut, bool allLogits);
    // Makes `states` the batch, slot b holding states[b]; kept[b] says whether it already did.
    void joinBatch(std::span<State* const> states, std::vector<char>& kept);
    // Copies slot b of a B-slot batch to (toBatch) or from a buffer with the State's layout.
    void copySlot(size_t b, size_t B, float* state, bool toBatch);
    // Starts running stage s: its scratch is reset.
    void enterStage(size_t s);
    // Makes `state` the one resident on the devices: uploads it unless it already is.
    // Returns whether it uploaded.
    bool makeResident(State& state);
    // Downloads the resident State's device layers into a buffer with the State's layout.
    void fetchState(float* out);
    DTensor stateBufferView(const Stage& s) const;

    std::vector<Stage> m_stages;
    State m_initialState;
    std::vector<float> m_emb;             // [V×C] fp32 host, ln0 folded in
    DTensor m_lnOutW, m_lnOutB, m_head;   // on the last stage
    size_t m_running = 0;                 // the stage forwardLayers is running
    State* m_feeding = nullptr;           // the State being fed, or null in a batched step
    int64_t m_feedBatch = 1;              // the number of States being fed
    size_t m_scratchUsed = 0;
    // The mirror of the State resident on the devices (null: none, or all stages host memory).
    std::shared_ptr<StateMirror> m_resident;
    // The States of the batch, slot by slot, as they stay in the batch buffers between steps.
    std::vector<std::shared_ptr<StateMirror>> m_batchSlots;
    // Held by forward() and by any read of the resident State (see core/state_mirror.h).
    std::shared_ptr<std::recursive_mutex> m_stateLock = std::make_shared<std::recursive_mutex>();
    StateTransfers m_transfers;
};

// Largest number of tokens pushed through the blocks at once (bounds scratch memory).
inline constexpr int kMaxChunkTokens = 128;
// Logits rows computed per head matmul (past the CPU decode loops' 32 rows, so a prefill's
// head runs the GEMM as its blocks do), and the alignment of each scratch tensor (bytes).
inline constexpr int kHeadRows = 64;
inline constexpr size_t kScratchAlign = 64;
// Most States in one batched step (forwardBatch): each needs a row of every chunk.
inline constexpr int kMaxBatch = kMaxChunkTokens;

} // namespace rwkv
