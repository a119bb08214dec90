// The snapshot codec and the serialized state behind it. The input is a claimed size (8 bytes),
// a format version (1), a checksum (16), then the stored bytes:
//  - decompress() must refuse anything whose size or checksum does not hold, without
//    allocating what a hostile size claims (the checksum, over the decompressed bytes, stops
//    nearly every frame, but only after the frame and the size were checked);
//  - the bytes themselves go to State::deserialize for the tiny model (the layer the checksum
//    guards), and a state it accepts must come back the same through encode and decode.
#include "fuzz_harness.h"

#include "core/state.h"
#include "core/store/snapshot_codec.h"

#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using namespace rwkv;
    if (size < 25) return 0;
    static SnapshotCodec codec;
    int64_t claimed = 0;
    std::memcpy(&claimed, data, 8);
    const int version = data[8] % 3;
    uint64_t high = 0, low = 0;
    std::memcpy(&high, data + 9, 8);
    std::memcpy(&low, data + 17, 8);
    const std::string checksum = checksumHex(high, low);
    const auto stored = fuzz::asBytes(data + 25, size - 25);

    fuzz::refused([&] {
        const auto raw = codec.decompress(stored, claimed, checksum, version, "fuzz snapshot", 1 << 20);
        fuzz::require(int64_t(raw.size()) == claimed, "decompress() returned another size than the stored one");
    });

    fuzz::refused([&] {
        const State state = State::deserialize(stored, fuzz::tinyConfig(), fuzz::tinyFingerprint());
        const EncodedSnapshot encoded = codec.encode(state);
        const State back = codec.decode(encoded.data, encoded.byteSize, encoded.checksum, encoded.formatVersion,
                                        fuzz::tinyConfig(), fuzz::tinyFingerprint(), "round trip");
        // Compared as written by serialize(): a stored header's reserved field is not kept.
        fuzz::require(back.serialize() == state.serialize(), "a state does not survive encode and decode");
    });
    return 0;
}
