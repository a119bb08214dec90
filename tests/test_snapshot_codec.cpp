// The snapshot codec on hostile rows: a stored size and a zstd frame header are claims, and a
// claim of a terabyte must be refused as damage before anything is allocated (an AllocationCap
// refuses any single allocation above 64 MiB), while a real state still round-trips.
#include "core/error.h"
#include "core/store/snapshot_codec.h"
#include "helpers/kill_writer_state.h"
#include "support/allocation_cap.h"

#include <QtTest>

#include <functional>

using namespace rwkv;

namespace {

// An empty zstd frame whose header claims `contentSize` bytes (single segment, 8-byte size).
std::vector<std::byte> frameClaiming(uint64_t contentSize)
{
    std::vector<std::byte> out{std::byte{0x28}, std::byte{0xB5}, std::byte{0x2F}, std::byte{0xFD}, std::byte{0xE0}};
    for (int i = 0; i < 8; ++i) out.push_back(std::byte(uint8_t(contentSize >> (8 * i))));
    out.insert(out.end(), {std::byte{0x01}, std::byte{0x00}, std::byte{0x00}}); // last block: raw, empty
    return out;
}

void expectDamaged(const std::string& mention, const std::function<void()>& f)
{
    test::AllocationCap cap(size_t(64) << 20);
    try {
        f();
        QFAIL("the hostile row was decoded");
    } catch (const Error& e) {
        QVERIFY2(e.code() == ErrorCode::Database, e.what());
        QVERIFY2(std::string(e.what()).find("snapshot 7 is damaged (" + mention) != std::string::npos, e.what());
    } catch (const std::bad_alloc&) {
        QFAIL("the codec tried to allocate what the row claims");
    }
    QCOMPARE(cap.refused(), size_t(0));
}

} // namespace

class TestSnapshotCodec : public QObject {
    Q_OBJECT

private slots:
    void refusesClaimsAboveTheModelsState()
    {
        SnapshotCodec codec;
        const ModelConfig config = test::killWriterConfig();
        const uint64_t tera = uint64_t(1) << 40;
        expectDamaged("it claims 1099511627776 bytes", [&] {
            codec.decode(frameClaiming(tera), int64_t(tera), "", kSnapshotFormatVersion, config,
                         test::killWriterFingerprint(), "snapshot 7");
        });
        // One float more than this model's state: refused before decompressing, not after.
        const uint64_t bigger = State::serializedSize(config) + 4;
        expectDamaged("it claims " + std::to_string(bigger) + " bytes", [&] {
            codec.decode(frameClaiming(bigger), int64_t(bigger), "", kSnapshotFormatVersion, config,
                         test::killWriterFingerprint(), "snapshot 7");
        });
        // Without a model, the codec's own limit applies.
        expectDamaged("it claims 1099511627776 bytes", [&] {
            codec.decompress(frameClaiming(tera), int64_t(tera), "", kSnapshotFormatVersion, "snapshot 7");
        });
    }

    void decodesARealStateOfExactlyTheLimit()
    {
        SnapshotCodec codec;
        const State original = test::killWriterState("limit");
        const EncodedSnapshot encoded = codec.encode(original);
        QCOMPARE(uint64_t(encoded.byteSize), State::serializedSize(original.config()));
        const State decoded = codec.decode(encoded.data, encoded.byteSize, encoded.checksum, encoded.formatVersion,
                                           original.config(), original.weightsFingerprint(), "snapshot 7");
        QVERIFY(decoded.serialize() == original.serialize());
    }
};

QTEST_GUILESS_MAIN(TestSnapshotCodec)
#include "test_snapshot_codec.moc"
