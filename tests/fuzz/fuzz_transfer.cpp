// The .rwkvx reader as `state import` and `conv import` run it: any bytes as a transfer file
// are imported into a real store (SQLite in the scratch folder, kept for the process) for the
// tiny model (test_transfer_hostile checks that a refused file writes nothing).
#include "fuzz_harness.h"

#include "core/store/store.h"
#include "core/store/transfer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using namespace rwkv;
    static Store store(fuzz::scratchPath("transfer.sqlite"));
    static const TransferModel model{fuzz::tinyConfig(), fuzz::tinyFingerprint(), "tiny.pth"};
    const auto& file = fuzz::scratchFile("fuzz.rwkvx", fuzz::asBytes(data, size));
    fuzz::refused([&] { (void)importNamedState(store, file, model, std::nullopt, true); });
    fuzz::refused([&] { (void)importConversation(store, file, model); });
    return 0;
}
