// Inputs the fuzz targets (tests/fuzz, docs/fuzzing.md) made crash, kept in tests/data/fuzz
// after the fix: each must now be refused with rwkv::Error(BadFile) and its message, without
// any allocation above 64 MiB (an AllocationCap). The table names the reader each one goes to.
#include "core/checkpoint.h"
#include "core/error.h"
#include "support/allocation_cap.h"
#include "support/test_support.h"

#include <QtTest>

using namespace rwkv;

class TestFuzzRegressions : public QObject {
    Q_OBJECT

private slots:
    void refused_data();
    void refused();
};

void TestFuzzRegressions::refused_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("message");
    // Found by fuzz_pickle (structure-aware) in 4-13 s with c5b7a98's checks reverted: a 720-byte
    // .pth whose tensor of shape [4, 3, 2^32], strides [1, 1, 0], claims 12·2^32 elements of a
    // 24-element storage (materialising it asked for 192 GiB).
    QTest::newRow("stride 0, huge shape") << "pickle-stride0-huge-shape.pth" << "more than its storage";
}

void TestFuzzRegressions::refused()
{
    QFETCH(QString, file);
    QFETCH(QString, message);
    const std::filesystem::path path = test::dataDir() / "fuzz" / file.toStdString();
    QVERIFY2(std::filesystem::exists(path), qPrintable(file));
    test::AllocationCap cap(size_t(64) << 20);
    try {
        (void)Checkpoint::open(path);
        QFAIL("accepted");
    } catch (const Error& e) {
        QVERIFY2(e.code() == ErrorCode::BadFile, e.what());
        QVERIFY2(std::string(e.what()).find(message.toStdString()) != std::string::npos, e.what());
    } catch (const std::bad_alloc&) {
        QFAIL("tried to allocate more than 64 MiB");
    }
    QCOMPARE(cap.refused(), size_t(0));
}

QTEST_GUILESS_MAIN(TestFuzzRegressions)
#include "test_fuzz_regressions.moc"
