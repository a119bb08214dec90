#pragma once
// The "Automatic" strategy (design.md "Devices and strategies"): the strategies worth trying
// for a model on this machine, those whose memory estimate (core/memory_estimate.h) fits the
// devices' free memory, and the pick among them by decode speed measured once per model and
// set of devices (backends/automatic_strategy.h measures and remembers).
#include "core/dtype.h"
#include "core/model_config.h"
#include "core/strategy.h"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace rwkv {

// An available device and what it can take now.
struct DeviceOffer {
    std::string id;        // "cpu", "vulkan:0"
    std::string name;      // what it is, e.g. "llvmpipe (LLVM 15.0.6, 256 bits) (Vulkan 1.3)"
    int64_t freeBytes = 0; // the host's available memory; a GPU's budget less what is in use
};

// A strategy that fits, and why it is worth trying.
struct Candidate {
    Strategy strategy;
    std::string why;
};

// The share of a device's free memory a model may take: the rest is for the system, other
// programs and a batch's extra States.
inline constexpr double kFitShare = 0.9;

// Whether the estimate of `strategy` fits every device it uses (offers must name them all).
bool fitsOffers(const ModelConfig& config, const Strategy& strategy, std::span<const DeviceOffer> offers);

// The CPU's precision for a checkpoint whose matrices are stored as fileType: that type where
// the CPU runs it as stored (fp16, and int8 or q4 of a quantized file), else bf16 (exact for
// the official bf16 checkpoints, half of fp32's bytes for fp32 ones).
DType cpuPrecisionFor(DType fileType);

// The candidates, in the order they are expected to be fast: each GPU with the whole model
// in fp16 (a quantized file: its own type), else the whole model there in the wider of int8
// and q4 that fits, and as many layers as fit there at fp16 (or the file's type) with the rest
// on the CPU; then the CPU alone at cpuPrecisionFor(fileType), or int8, or q4 when only those
// fit. Empty when nothing fits. offers[0] is the CPU.
std::vector<Candidate> automaticCandidates(const ModelConfig& config, DType fileType, std::span<const DeviceOffer> offers);

// Where a model of `parameters` would run before its file is here (the catalog knows only the
// count): the first GPU with room for its weights in fp16, int8 or q4 (the widest first: a GPU
// decodes even q4 far faster than a CPU), else the CPU in bf16, int8 or q4;
// fits is false when none has room. The weights at that precision plus kCatalogMargin for what
// the shape adds (the fp32 embedding and vectors, a State, working buffers): 14 % at 1.5B, 5 %
// at 7B by estimateMemory; more for small models, which fit anyway.
struct CatalogFit {
    std::string device;         // "cpu", "vulkan:0"; empty when nothing fits
    DType precision = DType::F32;
    bool fits = false;
};
inline constexpr double kCatalogMargin = 1.15;
CatalogFit catalogFit(int64_t parameters, std::span<const DeviceOffer> offers);

// One line for a message: what the model needs where nothing fits, e.g.
// "needs 14.2 GiB as q4 on the cpu, which has 7.9 GiB free".
std::string nothingFitsMessage(const ModelConfig& config, std::span<const DeviceOffer> offers);

} // namespace rwkv
