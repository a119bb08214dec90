// The model against the official rwkv package (tests/data/reference): logits, logits at
// positions, chunked feeding, final state and greedy tokens, for .pth and safetensors
// files and for fp32, bf16 and fp16 weight storage.
#include "backends/registry.h"
#include "core/checkpoint.h"
#include "core/model.h"
#include "support/reference_case.h"

#include <QTest>

using namespace rwkv;

namespace {

// fp32 math everywhere; the case's weights are bf16, so bf16 storage is exact and fp16
// storage is exact for these magnitudes. All paths share the README's tolerance.
constexpr double kTolerance = 1e-3;

} // namespace

class TestReferenceParity : public QObject {
    Q_OBJECT

private slots:
    void parity_data()
    {
        QTest::addColumn<QString>("caseName");
        QTest::addColumn<QString>("format");
        QTest::addColumn<QString>("weights");
        for (const char* c : {"x040_c128_l2_v1000", "x052_c128_l2_v1000", "x060_c128_l2_v1000", "x070_c128_l2_v1000"})
            for (const char* f : {"pth", "safetensors"})
                for (const char* w : {"fp32", "bf16", "fp16"})
                    QTest::newRow(QString("%1 %2 %3").arg(c, f, w).toUtf8()) << QString(c) << QString(f) << QString(w);
    }

    void parity()
    {
        QFETCH(QString, caseName);
        QFETCH(QString, format);
        QFETCH(QString, weights);
        const test::ReferenceCase ref = test::loadReferenceCase(caseName.toStdString());
        const Checkpoint ck = Checkpoint::open(format == "pth" ? ref.pth : ref.safetensors);
        const DType type = weights == "fp32" ? DType::F32 : weights == "bf16" ? DType::BF16 : DType::F16;
        auto device = createDevice("cpu");
        auto model = Model::load(ck, *device, type);

        // The whole sequence, logits after every token; chunked feeding; greedy continuation.
        const test::ReferenceRun run = test::runReferenceCase(*model, ref);
        qInfo("max|Δ|/max|ref|: logits_last %.2e, state %.2e", run.lastError, run.stateError);
        QVERIFY2(run.lastError < kTolerance, "logits_last");
        QVERIFY2(run.positionsError < kTolerance, qPrintable(QString("logits at positions: %1").arg(run.positionsError)));
        QVERIFY2(run.stateError < kTolerance, "state");
        QVERIFY2(run.chunksError < kTolerance, qPrintable(QString("chunks: %1").arg(run.chunksError)));
        QVERIFY(run.chunkedStateError < kTolerance);
        QCOMPARE(run.greedy, ref.greedyTokens);
    }
};

QTEST_GUILESS_MAIN(TestReferenceParity)
#include "test_reference_parity.moc"
