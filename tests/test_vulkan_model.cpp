// Whole models on Vulkan: every generation and weight type against the CPU backend and the
// official package's vectors (tests/data/reference), chunking invariance past one chunk,
// snapshot restore exactness, the device errors and the memory meter.
#include "backends/registry.h"
#include "core/checkpoint.h"
#include "core/error.h"
#include "core/model.h"
#include "support/reference_case.h"
#include "support/test_support.h"
#include "support/vulkan_support.h"

#include <QTest>

#include <algorithm>
#include <random>

using namespace rwkv;

namespace {

// Same tolerance as test_reference_parity against the official package.
constexpr double kReferenceTolerance = 1e-3;
// Against the CPU backend: both compute in fp32 from the same stored weights, so only
// summation order differs (NMSE = Σ(vk − cpu)² / Σ cpu²).
constexpr double kCpuNmse = 1e-9;

double nmse(const std::vector<float>& got, const std::vector<float>& want)
{
    if (got.size() != want.size()) return INFINITY;
    double num = 0.0, den = 0.0;
    for (size_t i = 0; i < want.size(); ++i) {
        const double d = double(got[i]) - want[i];
        num += d * d;
        den += double(want[i]) * want[i];
    }
    return den > 0.0 ? num / den : num;
}

std::vector<float> stateValues(const State& s) { return {s.data().begin(), s.data().end()}; }

int32_t argmax(const std::vector<float>& v) { return int32_t(std::max_element(v.begin(), v.end()) - v.begin()); }

} // namespace

class TestVulkanModel : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<Device> m_vk;
    std::unique_ptr<Device> m_cpu = createDevice("cpu");

private slots:
    void initTestCase()
    {
        std::string why;
        m_vk = test::openVulkan(why);
        if (!m_vk && test::vulkanRequired())
            QFAIL(qPrintable(QString::fromStdString("RWKV_REQUIRE_VULKAN is set but there is no Vulkan device: " + why)));
        if (!m_vk) QSKIP(qPrintable(QString::fromStdString("no Vulkan device: " + why)));
        qInfo("device: %s", m_vk->name().c_str());
    }

    void parity_data()
    {
        QTest::addColumn<QString>("caseName");
        QTest::addColumn<int>("dtype");
        for (const char* c : {"x070_c128_l2_v1000", "x060_c128_l2_v1000", "x052_c128_l2_v1000", "x040_c128_l2_v1000"})
            for (DType t : {DType::F32, DType::F16, DType::BF16})
                QTest::newRow(qPrintable(QStringLiteral("%1 %2").arg(c, dtypeName(t).data()))) << QString(c) << int(t);
    }

    void parity()
    {
        QFETCH(QString, caseName);
        QFETCH(int, dtype);
        const test::ReferenceCase ref = test::loadReferenceCase(caseName.toStdString());
        const Checkpoint ck = Checkpoint::open(ref.safetensors);
        auto vk = Model::load(ck, *m_vk, DType(dtype));
        auto cpu = Model::load(ck, *m_cpu, DType(dtype));

        // Logits after every token (one chunk through the tiled GEMM) and the final state.
        State vs = vk->newState(), cs = cpu->newState();
        const std::vector<float> all = vk->forward(ref.tokens, vs, true);
        const double cpuErr = nmse(all, cpu->forward(ref.tokens, cs, true)), stateErr = nmse(stateValues(vs), stateValues(cs));
        const size_t V = size_t(vk->config().vocab);
        const std::vector<float> last(all.end() - long(V), all.end());
        const double refErr = test::relativeMaxError(last, ref.logitsLast);
        const double refStateErr = test::relativeMaxError(test::toReferenceStateLayout(vs), ref.stateFlat);
        qInfo("vs CPU NMSE: logits %.1e, state %.1e; vs reference max|Δ|/max|ref|: logits %.1e, state %.1e", cpuErr,
              stateErr, refErr, refStateErr);
        QVERIFY2(cpuErr < kCpuNmse && stateErr < kCpuNmse, "against the CPU backend");
        QVERIFY2(refErr < kReferenceTolerance && refStateErr < kReferenceTolerance, "against the reference");
        for (size_t p = 0; p < ref.positions.size(); ++p) {
            const auto begin = all.begin() + long(size_t(ref.positions[p]) * V);
            QVERIFY(test::relativeMaxError({begin, begin + long(V)}, ref.logitsAtPositions[p]) < kReferenceTolerance);
        }

        // The reference's chunks (1-token chunks take the GEMV path).
        State chunked = vk->newState();
        size_t pos = 0;
        for (size_t c = 0; c < ref.chunks.size(); ++c) {
            const std::span<const int32_t> piece(ref.tokens.data() + pos, size_t(ref.chunks[c]));
            pos += piece.size();
            const double err = test::relativeMaxError(vk->forward(piece, chunked), ref.chunkLogits[c]);
            QVERIFY2(err < kReferenceTolerance, qPrintable(QString("chunk %1: %2").arg(c).arg(err)));
        }
        QVERIFY(nmse(stateValues(chunked), stateValues(vs)) < kCpuNmse);

        // Greedy decoding, one token per call, as the official package continues.
        std::vector<float> logits = last;
        for (size_t i = 0; i < ref.greedyTokens.size(); ++i) {
            const int32_t tok = argmax(logits);
            QCOMPARE(tok, ref.greedyTokens[i]);
            logits = vk->forward(std::span(&tok, 1), vs);
        }
    }

    // Splits across the 128-token chunk limit give the same result, and a state serialized
    // mid-way, restored and continued is bit-identical to the uninterrupted run.
    void chunkingAndSnapshot()
    {
        const Checkpoint ck = Checkpoint::open(test::shareDir() / "models/rwkv7-demo-18.7m-20261123.pth");
        auto model = Model::load(ck, *m_vk, DType::F16);
        std::mt19937 gen(7);
        std::vector<int32_t> tokens(300);
        for (int32_t& t : tokens) t = int32_t(gen() % uint32_t(model->config().vocab));

        State whole = model->newState();
        const std::vector<float> wholeLogits = model->forward(tokens, whole);
        State split = model->newState();
        std::vector<float> splitLogits;
        for (auto [first, count] : {std::pair<size_t, size_t>{0, 1}, {1, 130}, {131, 3}, {134, 166}})
            splitLogits = model->forward(std::span(tokens).subspan(first, count), split);
        QVERIFY(nmse(splitLogits, wholeLogits) < kCpuNmse);
        QVERIFY(nmse(stateValues(split), stateValues(whole)) < kCpuNmse);

        State live = model->newState();
        model->forward(std::span(tokens).first(150), live);
        State restored = State::deserialize(live.serialize(), model->config(), model->fingerprint());
        const auto rest = std::span(tokens).subspan(150);
        const std::vector<float> liveLogits = model->forward(rest, live);
        QCOMPARE(model->forward(rest, restored), liveLogits);
        QCOMPARE(stateValues(restored), stateValues(live));
    }

    void missingDeviceIsAClearError()
    {
        try {
            createDevice("vulkan:99");
            QFAIL("vulkan:99 was created");
        } catch (const Error& e) {
            QCOMPARE(e.code(), ErrorCode::InvalidArgument);
            QVERIFY2(std::string(e.what()).find("vulkan:99") != std::string::npos, e.what());
        }
        QVERIFY_THROWS_EXCEPTION(Error, createDevice("vulkan:x"));
    }

    void memoryMeter()
    {
        const std::optional<MemoryInfo> before = m_vk->memoryInfo();
        QVERIFY(before.has_value());
        QVERIFY(before->budget > 0);
        qInfo("device memory: %llu MiB used of %llu MiB", static_cast<unsigned long long>(before->used >> 20),
              static_cast<unsigned long long>(before->budget >> 20));
        QVERIFY(!m_cpu->memoryInfo().has_value());
    }
};

QTEST_GUILESS_MAIN(TestVulkanModel)
#include "test_vulkan_model.moc"
