// Layer splits ("cpu fp32 *2 -> cpu fp32"): a model whose layers run over several stages
// gives the logits and state of the single-device model, for every generation, across the
// stage boundary (activations and RWKV-7's v_first move between devices) and across chunks.
#include "backends/cpu/cpu_device.h"
#include "backends/strategy_devices.h"
#include "core/checkpoint.h"
#include "core/error.h"
#include "core/io/safetensors_writer.h"
#include "core/model.h"
#include "core/random_model.h"
#include "support/reference_case.h"
#include "support/test_support.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <cstring>
#include <numeric>

using namespace rwkv;

namespace {

constexpr double kTolerance = 1e-3; // the reference README's, as in test_reference_parity

bool sameBits(const std::vector<float>& a, std::span<const float> b)
{
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * 4) == 0;
}

// Tokens 0, 7, 14, … below vocab; 150 of them span two chunks (kMaxChunkTokens = 128).
std::vector<int32_t> someTokens(size_t n, int vocab)
{
    std::vector<int32_t> t(n);
    for (size_t i = 0; i < n; ++i) t[i] = int32_t((i * 7) % size_t(vocab));
    return t;
}

Generation generationOf(const QString& name)
{
    return name == "x040" ? Generation::X040 : name == "x052" ? Generation::X052 : name == "x060" ? Generation::X060 : Generation::X070;
}

} // namespace

class TestLayerSplit : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    cpu::CpuDevice m_cpuA{2}, m_cpuB{1};

    // Logits after every token and the final state of `plans` on `ck`.
    std::pair<std::vector<float>, std::vector<float>> run(const Checkpoint& ck, std::span<const StagePlan> plans,
                                                         std::span<const int32_t> tokens)
    {
        auto model = Model::load(ck, plans);
        State state = model->newState();
        std::vector<float> logits = model->forward(tokens, state, true);
        return {std::move(logits), std::vector<float>(state.data().begin(), state.data().end())};
    }

private slots:
    void splitEqualsSingleDevice_data()
    {
        QTest::addColumn<QString>("arch");
        for (const char* a : {"x040", "x052", "x060", "x070"}) QTest::newRow(a) << QString(a);
    }

    // fp32 everywhere: a split changes nothing but where the layers run, so the results are
    // bit for bit those of one device, with the same or with another device per stage.
    void splitEqualsSingleDevice()
    {
        QFETCH(QString, arch);
        RandomModelSpec spec;
        spec.generation = generationOf(arch);
        spec.layers = 4;
        spec.width = 128;
        spec.vocab = 300;
        spec.headSize = 32;
        const std::filesystem::path file = m_dir.filePath(arch + ".safetensors").toStdString();
        writeSafetensors(file, makeRandomModel(spec));
        const Checkpoint ck = Checkpoint::open(file);
        const std::vector<int32_t> tokens = someTokens(150, spec.vocab);

        const StagePlan single[] = {{&m_cpuA, DType::F32, -1}};
        const auto [logits, state] = run(ck, single, tokens);
        const StagePlan twoDevices[] = {{&m_cpuA, DType::F32, 2}, {&m_cpuB, DType::F32, -1}};
        const StagePlan threeStages[] = {{&m_cpuA, DType::F32, 1}, {&m_cpuB, DType::F32, 2}, {&m_cpuA, DType::F32, 1}};
        const StagePlan oneDevice[] = {{&m_cpuA, DType::F32, 3}, {&m_cpuA, DType::F32, -1}};
        for (std::span<const StagePlan> plans : {std::span<const StagePlan>(twoDevices), std::span<const StagePlan>(threeStages),
                                                 std::span<const StagePlan>(oneDevice)}) {
            const auto [splitLogits, splitState] = run(ck, plans, tokens);
            QVERIFY(sameBits(splitLogits, logits));
            QVERIFY(sameBits(splitState, state));
        }
    }

    void splitMatchesReference_data()
    {
        QTest::addColumn<QString>("caseName");
        for (const char* c : {"x040_c128_l2_v1000", "x052_c128_l2_v1000", "x060_c128_l2_v1000", "x070_c128_l2_v1000"})
            QTest::newRow(c) << QString(c);
    }

    // "cpu fp32 *1 -> cpu bf16" through the strategy parser, against the official package.
    void splitMatchesReference()
    {
        QFETCH(QString, caseName);
        const test::ReferenceCase ref = test::loadReferenceCase(caseName.toStdString());
        const Checkpoint ck = Checkpoint::open(ref.safetensors);
        StrategyDevices devices = createStrategyDevices(parseStrategy("cpu fp32 *1 -> cpu bf16"), 2);
        QCOMPARE(devices.devices.size(), size_t(1)); // both stages name "cpu": one device
        auto model = Model::load(ck, devices.stages);
        QVERIFY2(model->placement().find("layers 1-1:") != std::string::npos, model->placement().c_str());
        State state = model->newState();
        const std::vector<float> logits = model->forward(ref.tokens, state);
        QVERIFY(test::relativeMaxError(logits, ref.logitsLast) < kTolerance);
        QVERIFY(test::relativeMaxError(test::toReferenceStateLayout(state), ref.stateFlat) < kTolerance);
    }

    void badPlansAreRefused()
    {
        const test::ReferenceCase ref = test::loadReferenceCase("x070_c128_l2_v1000"); // 2 layers
        const Checkpoint ck = Checkpoint::open(ref.safetensors);
        for (const char* strategy : {"cpu fp32 *3", "cpu fp32 *1", "cpu fp32 -> cpu bf16", "cpu *1 -> cpu *1 -> cpu"}) {
            StrategyDevices devices = createStrategyDevices(parseStrategy(strategy), 1);
            QVERIFY_THROWS_EXCEPTION(Error, Model::load(ck, devices.stages));
        }
    }

    // The precision names `info` and the app's picker use are the grammar's own.
    void precisionNamesMatchTheGrammar()
    {
        for (const char* name : {"fp32", "fp16", "bf16", "int8", "q4"})
            QCOMPARE(parsePrecision(name), parseStrategy(std::string("cpu ") + name).stages.at(0).precision);
        QCOMPARE(parsePrecision("q4"), DType::Q4);
        // The official package's spelling of int8, shown in ours.
        QCOMPARE(parseStrategy("cuda fp16i8 *20 -> cpu q4").text(), std::string("cuda:0 int8 *20 -> cpu q4"));
        QVERIFY_THROWS_EXCEPTION(Error, parsePrecision("fp8"));
        QVERIFY_THROWS_EXCEPTION(Error, parsePrecision(""));
    }

    void cliShowsStages()
    {
        QProcess p;
        p.start(QString::fromStdString((test::binDir() / "rwkv-cli").string()),
                {"info", "--strategy", "cpu fp32 *6 -> cpu bf16"});
        QVERIFY(p.waitForFinished(120000));
        const QByteArray out = p.readAllStandardOutput();
        QCOMPARE(p.exitCode(), 0);
        QVERIFY2(out.contains("strategy     cpu fp32 *6 -> cpu bf16"), out.constData());
        QVERIFY2(out.contains("layers 0-5: cpu") && out.contains("fp32; layers 6-7: cpu") && out.contains("bf16\n"),
                 out.constData());
    }
};

QTEST_GUILESS_MAIN(TestLayerSplit)
#include "test_layer_split.moc"
