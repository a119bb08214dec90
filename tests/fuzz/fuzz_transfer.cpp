// The .rwkvx reader as `state import` and `conv import` run it: any bytes as a transfer file
// are imported into a real store (SQLite in the scratch folder, kept for the process) for the
// tiny model (test_transfer_hostile checks that a refused file writes nothing). Byte 0 odd: the
// whole-file checksum at the end is recomputed first, so mutations reach the sections and the
// description instead of stopping at "checksum mismatch"; even: the bytes go as they are.
#include "fuzz_harness.h"

#include "core/store/snapshot_codec.h"
#include "core/store/store.h"
#include "core/store/transfer.h"
#include "core/store/transfer_file.h"

#include <algorithm>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using namespace rwkv;
    static Store store(fuzz::scratchPath("transfer.sqlite"));
    static const TransferModel model{fuzz::tinyConfig(), fuzz::tinyFingerprint(), "tiny.pth"};
    if (size == 0) return 0;
    std::vector<std::byte> bytes(size - 1);
    std::copy_n(fuzz::asBytes(data + 1, size - 1).begin(), size - 1, bytes.begin());
    if ((data[0] & 1) != 0 && bytes.size() >= kTransferHeaderBytes + kTransferTrailerBytes) {
        const size_t body = bytes.size() - kTransferTrailerBytes;
        const std::string checksum = checksumHex(std::span(bytes).first(body));
        std::copy_n(reinterpret_cast<const std::byte*>(checksum.data()), kTransferTrailerBytes, bytes.begin() + long(body));
    }
    const auto& file = fuzz::scratchFile("fuzz.rwkvx", bytes);
    fuzz::refused([&] { (void)importNamedState(store, file, model, std::nullopt, true); });
    fuzz::refused([&] { (void)importConversation(store, file, model); });
    return 0;
}
