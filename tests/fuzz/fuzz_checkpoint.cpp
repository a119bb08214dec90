// The checkpoint loader as a whole: any bytes as a .pth or safetensors file are opened, their
// model shape detected, the model built on the CPU backend (fp32) and run for one token. Files
// are at most -max_len bytes (tests/fuzz/fuzz_checkpoint.options), and every tensor is bounded
// by the file, so the model stays small.
#include "fuzz_harness.h"

#include "backends/cpu/cpu_device.h"
#include "core/error.h"
#include "core/model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using namespace rwkv;
    static cpu::CpuDevice device(1);
    const auto checkpoint = fuzz::openCheckpoint("fuzz.model", fuzz::asBytes(data, size));
    if (!checkpoint) return 0;
    fuzz::refused([&] {
        const auto model = Model::load(*checkpoint, device, DType::F32);
        State state = model->newState();
        const int32_t token = 0;
        const auto logits = model->forward(std::span(&token, 1), state);
        fuzz::require(logits.size() == size_t(model->config().vocab), "the logits are not one per vocabulary entry");
    });
    return 0;
}
