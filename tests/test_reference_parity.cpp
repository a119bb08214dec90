// The model against the official rwkv package (tests/data/reference): logits, logits at
// positions, chunked feeding, final state and greedy tokens, for .pth and safetensors
// files and for fp32, bf16 and fp16 weight storage.
#include "backends/registry.h"
#include "core/checkpoint.h"
#include "core/model.h"
#include "support/reference_case.h"

#include <QTest>

#include <algorithm>

using namespace rwkv;

namespace {

// fp32 math everywhere; the case's weights are bf16, so bf16 storage is exact and fp16
// storage is exact for these magnitudes. All paths share the README's tolerance.
constexpr double kTolerance = 1e-3;

int32_t argmax(const std::vector<float>& v)
{
    return int32_t(std::max_element(v.begin(), v.end()) - v.begin());
}

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

        // Whole sequence, logits after every token.
        State full = model->newState();
        const std::vector<float> all = model->forward(ref.tokens, full, true);
        const size_t V = size_t(model->config().vocab);
        const std::vector<float> last(all.end() - long(V), all.end());
        const double lastErr = test::relativeMaxError(last, ref.logitsLast);
        const double stateErr = test::relativeMaxError(test::toReferenceStateLayout(full), ref.stateFlat);
        qInfo("max|Δ|/max|ref|: logits_last %.2e, state %.2e", lastErr, stateErr);
        QVERIFY2(lastErr < kTolerance, "logits_last");
        for (size_t p = 0; p < ref.positions.size(); ++p) {
            const auto begin = all.begin() + long(size_t(ref.positions[p]) * V);
            const double err = test::relativeMaxError({begin, begin + long(V)}, ref.logitsAtPositions[p]);
            QVERIFY2(err < kTolerance, qPrintable(QString("logits at position %1: %2").arg(ref.positions[p]).arg(err)));
        }
        QVERIFY2(stateErr < kTolerance, "state");

        // Chunked feeding, carrying the state.
        State chunked = model->newState();
        size_t pos = 0;
        for (size_t c = 0; c < ref.chunks.size(); ++c) {
            const std::span<const int32_t> piece(ref.tokens.data() + pos, size_t(ref.chunks[c]));
            pos += piece.size();
            const double err = test::relativeMaxError(model->forward(piece, chunked), ref.chunkLogits[c]);
            QVERIFY2(err < kTolerance, qPrintable(QString("chunk %1: %2").arg(c).arg(err)));
        }
        QVERIFY(test::relativeMaxError(test::toReferenceStateLayout(chunked), ref.stateFlat) < kTolerance);

        // Greedy continuation from the full-sequence state, one token at a time.
        std::vector<float> logits = last;
        for (size_t i = 0; i < ref.greedyTokens.size(); ++i) {
            const int32_t tok = argmax(logits);
            QCOMPARE(tok, ref.greedyTokens[i]);
            logits = model->forward(std::span(&tok, 1), full);
        }
    }
};

QTEST_GUILESS_MAIN(TestReferenceParity)
#include "test_reference_parity.moc"
