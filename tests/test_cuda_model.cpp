// Whole models on CUDA: every generation against the official package's outputs
// (tests/data/reference), greedy decoding, and a snapshot restored from bytes giving the very
// same logits. Skips with the registry's reason where there is no CUDA device.
#include "backends/cpu/cpu_device.h"
#include "core/checkpoint.h"
#include "core/model.h"
#include "support/cuda_support.h"
#include "support/reference_case.h"

#include <QTest>

#include <algorithm>
#include <cstring>

using namespace rwkv;

namespace {

// Prefill with 16-bit weights rounds activations to the weight type for the tensor cores
// (fp16 keeps 11 bits, bf16 8); fp32 weights and decode keep fp32 activations.
double tolerance(DType weights) { return weights == DType::BF16 ? 1e-2 : weights == DType::F16 ? 2e-3 : 1e-3; }

int32_t argmax(const std::vector<float>& v) { return int32_t(std::max_element(v.begin(), v.end()) - v.begin()); }

} // namespace

class TestCudaModel : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<Device> m_gpu;

private slots:
    void initTestCase()
    {
        std::string why;
        m_gpu = test::openCuda(why);
        if (!m_gpu && test::cudaRequired())
            QFAIL(qPrintable(QString::fromStdString("RWKV_REQUIRE_CUDA is set but there is no CUDA device: " + why)));
        if (!m_gpu) QSKIP(qPrintable(QString::fromStdString("no CUDA device: " + why)));
    }

    void parity_data()
    {
        QTest::addColumn<QString>("caseName");
        QTest::addColumn<int>("dtype");
        for (const char* c : {"x040_c128_l2_v1000", "x052_c128_l2_v1000", "x060_c128_l2_v1000", "x070_c128_l2_v1000"})
            for (DType t : {DType::F32, DType::F16, DType::BF16})
                QTest::newRow(qPrintable(QStringLiteral("%1 %2").arg(c, QLatin1String(dtypeName(t).data())))) << QString(c)
                                                                                                       << int(t);
    }

    void parity()
    {
        QFETCH(QString, caseName);
        QFETCH(int, dtype);
        const test::ReferenceCase ref = test::loadReferenceCase(caseName.toStdString());
        const Checkpoint ck = Checkpoint::open(ref.safetensors);
        auto model = Model::load(ck, *m_gpu, DType(dtype));
        const double tol = tolerance(DType(dtype));

        State full = model->newState();
        const std::vector<float> all = model->forward(ref.tokens, full, true);
        const size_t V = size_t(model->config().vocab);
        const std::vector<float> last(all.end() - long(V), all.end());
        const double lastErr = test::relativeMaxError(last, ref.logitsLast);
        const double stateErr = test::relativeMaxError(test::toReferenceStateLayout(full), ref.stateFlat);
        qInfo("max|Δ|/max|ref|: logits_last %.2e, state %.2e", lastErr, stateErr);
        QVERIFY2(lastErr < tol, "logits_last");
        QVERIFY2(stateErr < tol, "state");
        for (size_t p = 0; p < ref.positions.size(); ++p) {
            const auto begin = all.begin() + long(size_t(ref.positions[p]) * V);
            const double err = test::relativeMaxError({begin, begin + long(V)}, ref.logitsAtPositions[p]);
            QVERIFY2(err < tol, qPrintable(QString("logits at position %1: %2").arg(ref.positions[p]).arg(err)));
        }

        // Greedy decoding (the GEMV path), one token at a time from the full-sequence state.
        std::vector<float> logits = last;
        for (size_t i = 0; i < ref.greedyTokens.size(); ++i) {
            const int32_t tok = argmax(logits);
            QCOMPARE(tok, ref.greedyTokens[i]);
            logits = model->forward(std::span(&tok, 1), full);
        }
    }

    // A snapshot taken mid-conversation and restored from bytes continues bit for bit.
    void snapshotRestoreIsExact()
    {
        const test::ReferenceCase ref = test::loadReferenceCase("x070_c128_l2_v1000");
        const Checkpoint ck = Checkpoint::open(ref.safetensors);
        auto model = Model::load(ck, *m_gpu, DType::F16);
        const size_t half = ref.tokens.size() / 2;
        const std::span<const int32_t> first(ref.tokens.data(), half), rest(ref.tokens.data() + half, ref.tokens.size() - half);
        State state = model->newState();
        model->forward(first, state);
        const std::vector<std::byte> snapshot = state.serialize();
        const std::vector<float> direct = model->forward(rest, state);
        State restored = State::deserialize(snapshot, model->config(), model->fingerprint());
        const std::vector<float> again = model->forward(rest, restored);
        QCOMPARE(again.size(), direct.size());
        QVERIFY(std::memcmp(again.data(), direct.data(), direct.size() * 4) == 0);
        QVERIFY(std::equal(state.data().begin(), state.data().end(), restored.data().begin()));
    }

    // Layer splits on the GPU: two stages on one GPU equal one stage bit for bit; a split
    // GPU -> CPU (x and v_first cross over) matches the reference.
    void splitRuns()
    {
        const test::ReferenceCase ref = test::loadReferenceCase("x070_c128_l2_v1000");
        const Checkpoint ck = Checkpoint::open(ref.safetensors);
        auto run = [&](std::span<const StagePlan> plans, std::vector<float>& state) {
            auto model = Model::load(ck, plans);
            State s = model->newState();
            std::vector<float> logits = model->forward(ref.tokens, s, true);
            state.assign(s.data().begin(), s.data().end());
            return logits;
        };
        const StagePlan single[] = {{m_gpu.get(), DType::F32, -1}};
        const StagePlan twoStages[] = {{m_gpu.get(), DType::F32, 1}, {m_gpu.get(), DType::F32, -1}};
        std::vector<float> state, splitState;
        const std::vector<float> logits = run(single, state), splitLogits = run(twoStages, splitState);
        QCOMPARE(splitLogits.size(), logits.size());
        QVERIFY(std::memcmp(splitLogits.data(), logits.data(), logits.size() * 4) == 0);
        QVERIFY(std::memcmp(splitState.data(), state.data(), state.size() * 4) == 0);

        cpu::CpuDevice cpu(2);
        const StagePlan toCpu[] = {{m_gpu.get(), DType::F16, 1}, {&cpu, DType::F32, -1}};
        const std::vector<float> mixed = run(toCpu, splitState);
        const std::vector<float> last(mixed.end() - long(ref.logitsLast.size()), mixed.end());
        QVERIFY(test::relativeMaxError(last, ref.logitsLast) < tolerance(DType::F16));
        State asState = Model::load(ck, single)->newState();
        std::copy(splitState.begin(), splitState.end(), asState.data().begin());
        QVERIFY(test::relativeMaxError(test::toReferenceStateLayout(asState), ref.stateFlat) < tolerance(DType::F16));
    }
};

QTEST_GUILESS_MAIN(TestCudaModel)
#include "test_cuda_model.moc"
