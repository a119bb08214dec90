#include "support/device_model_tests.h"

#include "core/checkpoint.h"
#include "core/model.h"
#include "support/device_compare.h"
#include "support/reference_case.h"
#include "support/test_support.h"

#include <QTest>

#include <cstring>
#include <random>

namespace rwkv::test {

namespace {

std::vector<float> stateValues(const State& s) { return {s.data().begin(), s.data().end()}; }

bool sameBits(const std::vector<float>& a, const std::vector<float>& b)
{
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// Feeds tokens one call each (the decode path); reads the state after every call if asked.
std::vector<float> decode(Model& model, std::span<const int32_t> tokens, State& state, bool readEach = false)
{
    std::vector<float> logits;
    for (const int32_t& t : tokens) {
        logits = model.forward(std::span(&t, 1), state);
        if (readEach) (void)state.data();
    }
    return logits;
}

} // namespace

void DeviceModelTests::parity_data()
{
    QTest::addColumn<QString>("caseName");
    QTest::addColumn<int>("dtype");
    for (const char* c : {"x040_c128_l2_v1000", "x052_c128_l2_v1000", "x060_c128_l2_v1000", "x070_c128_l2_v1000"})
        for (DType t : {DType::F32, DType::F16, DType::BF16})
            QTest::newRow(qPrintable(QStringLiteral("%1 %2").arg(c, QLatin1String(dtypeName(t).data()))))
                << QString(c) << int(t);
}

// Logits after every token (one chunk through the prefill path), the final state, the case's
// chunks (1-token chunks take the decode path) and greedy decoding, one token per call.
void DeviceModelTests::parity()
{
    QFETCH(QString, caseName);
    QFETCH(int, dtype);
    const DType type = DType(dtype);
    const ReferenceCase ref = loadReferenceCase(caseName.toStdString());
    const Checkpoint ck = Checkpoint::open(ref.safetensors);
    const ReferenceRun run = runReferenceCase(*Model::load(ck, *m_gpu, type), ref);
    const ReferenceRun cpu = runReferenceCase(*Model::load(ck, *m_cpu, type), ref);
    const double refTol = m_tolerances.reference(type), cpuTol = m_tolerances.cpu(type);
    const double cpuErr = nmse(run.logits, cpu.logits), stateErr = nmse(run.state, cpu.state);
    qInfo("vs CPU NMSE: logits %.1e, state %.1e; vs reference max|Δ|/max|ref|: logits %.1e, state %.1e", cpuErr,
          stateErr, run.lastError, run.stateError);
    QVERIFY2(cpuErr < cpuTol && stateErr < cpuTol, "against the CPU backend");
    QVERIFY2(run.lastError < refTol && run.stateError < refTol, "against the reference");
    QVERIFY2(run.positionsError < refTol, qPrintable(QString("logits at positions: %1").arg(run.positionsError)));
    QVERIFY2(run.chunksError < refTol, qPrintable(QString("chunks: %1").arg(run.chunksError)));
    QVERIFY(run.chunkedStateError < refTol);
    QVERIFY(nmse(run.chunkedState, run.state) < cpuTol);
    QCOMPARE(run.greedy, ref.greedyTokens);
}

// Splits across the 128-token chunk limit give the same result, and a state serialized
// mid-way, restored and continued is bit-identical to the uninterrupted run.
void DeviceModelTests::chunkingAndSnapshot()
{
    const Checkpoint ck = Checkpoint::open(demoModelPath());
    auto model = Model::load(ck, *m_gpu, DType::F16);
    const double tol = m_tolerances.cpu(DType::F16);
    std::mt19937 gen(7);
    std::vector<int32_t> tokens(300);
    for (int32_t& t : tokens) t = int32_t(gen() % uint32_t(model->config().vocab));

    State whole = model->newState();
    const std::vector<float> wholeLogits = model->forward(tokens, whole);
    State split = model->newState();
    std::vector<float> splitLogits;
    for (auto [first, count] : {std::pair<size_t, size_t>{0, 1}, {1, 130}, {131, 3}, {134, 166}})
        splitLogits = model->forward(std::span(tokens).subspan(first, count), split);
    QVERIFY(nmse(splitLogits, wholeLogits) < tol);
    QVERIFY(nmse(stateValues(split), stateValues(whole)) < tol);

    State live = model->newState();
    model->forward(std::span(tokens).first(150), live);
    State restored = State::deserialize(live.serialize(), model->config(), model->fingerprint());
    const auto rest = std::span(tokens).subspan(150);
    const std::vector<float> liveLogits = model->forward(rest, live);
    QVERIFY(sameBits(model->forward(rest, restored), liveLogits));
    QVERIFY(sameBits(stateValues(restored), stateValues(live)));
}

// Layer splits on the GPU: two stages on one GPU equal one stage bit for bit; a split
// GPU -> CPU (x and v_first cross over) matches the reference.
void DeviceModelTests::splitRuns()
{
    const ReferenceCase ref = loadReferenceCase("x070_c128_l2_v1000");
    const Checkpoint ck = Checkpoint::open(ref.safetensors);
    auto run = [&](std::span<const StagePlan> plans, std::vector<float>& state) {
        auto model = Model::load(ck, plans);
        State s = model->newState();
        std::vector<float> logits = model->forward(ref.tokens, s, true);
        state = stateValues(s);
        return logits;
    };
    const StagePlan single[] = {{m_gpu.get(), DType::F32, -1}};
    const StagePlan twoStages[] = {{m_gpu.get(), DType::F32, 1}, {m_gpu.get(), DType::F32, -1}};
    std::vector<float> state, splitState;
    const std::vector<float> logits = run(single, state), splitLogits = run(twoStages, splitState);
    QVERIFY(sameBits(splitLogits, logits));
    QVERIFY(sameBits(splitState, state));

    const StagePlan toCpu[] = {{m_gpu.get(), DType::F16, 1}, {m_cpu.get(), DType::F32, -1}};
    const std::vector<float> mixed = run(toCpu, splitState);
    const std::vector<float> last(mixed.end() - long(ref.logitsLast.size()), mixed.end());
    const double tol = m_tolerances.reference(DType::F16);
    QVERIFY(relativeMaxError(last, ref.logitsLast) < tol);
    State asState = Model::load(ck, single)->newState();
    std::copy(splitState.begin(), splitState.end(), asState.data().begin());
    QVERIFY(relativeMaxError(toReferenceStateLayout(asState), ref.stateFlat) < tol);
}

// Decoding keeps the state on the device: one upload, no download until it is read, the
// same floats as a run that reads it after every token. States interleaved on one model, a
// copy of a resident State and a State outliving its model stay exact.
void DeviceModelTests::residentState()
{
    const ReferenceCase ref = loadReferenceCase("x070_c128_l2_v1000");
    const Checkpoint ck = Checkpoint::open(ref.safetensors);
    auto model = Model::load(ck, *m_gpu, DType::F32);
    const std::vector<int32_t>& a = ref.tokens;
    const std::vector<int32_t> b(a.rbegin(), a.rend());
    QVERIFY(a.size() >= 4);

    State solo = model->newState();
    const Model::StateTransfers before = model->stateTransfers();
    const std::vector<float> soloLogits = decode(*model, a, solo);
    QCOMPARE(model->stateTransfers().uploads - before.uploads, 1);
    QCOMPARE(model->stateTransfers().downloads - before.downloads, 0);
    const std::vector<float> soloState = stateValues(solo);
    QCOMPARE(model->stateTransfers().downloads - before.downloads, 1);

    State stepwise = model->newState();
    QVERIFY(sameBits(decode(*model, a, stepwise, true), soloLogits));
    QVERIFY(sameBits(stateValues(stepwise), soloState));
    auto cpuModel = Model::load(ck, *m_cpu, DType::F32);
    State onCpu = cpuModel->newState();
    QVERIFY(nmse(decode(*cpuModel, a, onCpu), soloLogits) < m_tolerances.cpu(DType::F32));
    QVERIFY(nmse(stateValues(onCpu), soloState) < m_tolerances.cpu(DType::F32));
    QCOMPARE(cpuModel->stateTransfers().uploads + cpuModel->stateTransfers().downloads, 0);

    State soloB = model->newState();
    const std::vector<float> soloBLogits = decode(*model, b, soloB);
    State sa = model->newState(), sb = model->newState();
    std::vector<float> la, lb;
    for (size_t i = 0; i < a.size(); ++i) {
        la = model->forward(std::span(&a[i], 1), sa);
        lb = model->forward(std::span(&b[i], 1), sb);
    }
    QVERIFY(sameBits(la, soloLogits) && sameBits(lb, soloBLogits));
    QVERIFY(sameBits(stateValues(sa), soloState) && sameBits(stateValues(sb), stateValues(soloB)));

    const size_t half = a.size() / 2;
    State prefix = model->newState();
    decode(*model, std::span(a).first(half), prefix);
    State copy = prefix;
    const std::vector<float> atCopy = stateValues(copy);
    decode(*model, std::span(a).subspan(half), prefix);
    QVERIFY(sameBits(stateValues(copy), atCopy));
    QVERIFY(sameBits(decode(*model, std::span(a).subspan(half), copy), soloLogits));
    QVERIFY(sameBits(stateValues(copy), soloState));

    State outlives;
    {
        auto shortLived = Model::load(ck, *m_gpu, DType::F32);
        outlives = shortLived->newState();
        decode(*shortLived, a, outlives);
    }
    QVERIFY(sameBits(stateValues(outlives), soloState));
}

// Decoding through a layer split with the GPU stage first or last matches one CPU stage;
// the GPU layers stay resident (one upload).
void DeviceModelTests::residentStateSplits()
{
    const ReferenceCase ref = loadReferenceCase("x070_c128_l2_v1000");
    const Checkpoint ck = Checkpoint::open(ref.safetensors);
    auto cpuModel = Model::load(ck, *m_cpu, DType::F32);
    State onCpu = cpuModel->newState();
    const std::vector<float> cpuLogits = decode(*cpuModel, ref.tokens, onCpu);
    const double tol = m_tolerances.cpu(DType::F32);
    const StagePlan gpuFirst[] = {{m_gpu.get(), DType::F32, 1}, {m_cpu.get(), DType::F32, -1}};
    const StagePlan cpuFirst[] = {{m_cpu.get(), DType::F32, 1}, {m_gpu.get(), DType::F32, -1}};
    for (std::span<const StagePlan> plans : {std::span<const StagePlan>(gpuFirst), std::span<const StagePlan>(cpuFirst)}) {
        auto model = Model::load(ck, plans);
        State s = model->newState();
        QVERIFY(nmse(decode(*model, ref.tokens, s), cpuLogits) < tol);
        QCOMPARE(model->stateTransfers().uploads, 1);
        QVERIFY(nmse(stateValues(s), stateValues(onCpu)) < tol);
    }
}

// The meter counts what this process holds: at least a buffer it has just allocated.
void DeviceModelTests::memoryMeter()
{
    const size_t held = size_t(16) << 20;
    const std::unique_ptr<DeviceBuffer> buffer = m_gpu->allocate(held);
    const std::optional<MemoryInfo> m = m_gpu->memoryInfo();
    QVERIFY(m.has_value());
    qInfo("device memory: %llu MiB used of %llu MiB", static_cast<unsigned long long>(m->used >> 20),
          static_cast<unsigned long long>(m->budget >> 20));
    QVERIFY(m->budget > 0 && m->used >= held && m->used <= m->budget);
    QVERIFY(!m_cpu->memoryInfo().has_value());
}

} // namespace rwkv::test
