#pragma once
// What a checkpoint is: RWKV generation and shape, detected from tensor names and shapes
// (rwkv-spec §1.2) and validated against the generation's full key list (§1.3).
#include <cstdint>
#include <string>
#include <string_view>

namespace rwkv {

class Checkpoint;

enum class Generation { X040, X052, X060, X070 };

// "x070" etc.; and the human name, e.g. "RWKV-7".
std::string_view generationId(Generation g);
std::string_view generationName(Generation g);

struct ModelConfig {
    Generation generation = Generation::X070;
    int nLayer = 0;
    int nEmbd = 0;     // C, residual width
    int nHead = 0;     // H (0 for RWKV-4, which has no heads)
    int headSize = 0;  // N; H·N = C
    int nFfn = 0;      // F, channel-mix hidden width
    int vocab = 0;     // V
    int loraDecay = 0, loraIclr = 0, loraValue = 0, loraGate = 0; // v7 LoRA ranks (v6: loraDecay)
    int loraMix = 0;   // v6 token-shift LoRA rank
    int64_t paramCount = 0;

    // fp32 floats of one layer's state: att_x (C) + ffn_x (C) + WKV (H·N·N).
    int64_t stateFloatsPerLayer() const;
    int64_t stateBytes() const { return stateFloatsPerLayer() * nLayer * 4; }
    // One line, e.g. "RWKV-7 L12 C768 H12×64 F3072 V65536".
    std::string describe() const;
};

// Detects and validates. Throws Error(Unsupported) for an architecture we do not run
// (with its name) and Error(BadFile) for a missing tensor or a wrong shape.
ModelConfig detectModelConfig(const Checkpoint& checkpoint);

} // namespace rwkv
