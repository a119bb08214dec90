// The "Automatic" strategy: the candidates that fit the offered free memory (GPU whole, a
// split, the CPU at the widest precision that fits), the remembered choices file, and
// `rwkv-cli --strategy auto` measuring once on a real machine (the CPU, and lavapipe where
// present), then reusing what it measured.
#include "core/auto_strategy.h"
#include "core/checkpoint.h"
#include "core/memory_estimate.h"
#include "core/strategy_choices.h"
#include "support/cli_run.h"
#include "support/test_support.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <fstream>

using namespace rwkv;

namespace {

constexpr int64_t kGiB = int64_t(1) << 30;

size_t totalOn(const ModelConfig& c, const Strategy& s, const std::string& device)
{
    for (const DeviceMemory& m : estimateMemory(c, s))
        if (m.device == device) return m.total();
    return 0;
}

std::vector<std::string> texts(const std::vector<Candidate>& candidates)
{
    std::vector<std::string> out;
    for (const Candidate& c : candidates) out.push_back(c.strategy.text());
    return out;
}

} // namespace

class TestAutoStrategy : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    ModelConfig m_demo; // L8 C128 V65536

    // rwkv-cli with its data folder in the test's; noGpu hides every Vulkan driver from it.
    test::CliRun cli(const QStringList& args, bool noGpu = false)
    {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("XDG_DATA_HOME", m_dir.path());
        if (noGpu) env.insert("VK_ICD_FILENAMES", m_dir.filePath("no-such-driver.json"));
        p.setProcessEnvironment(env);
        p.start(QString::fromStdString((test::binDir() / "rwkv-cli").string()), args);
        p.waitForFinished(300000);
        return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAllStandardOutput(), p.readAllStandardError()};
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_demo = detectModelConfig(Checkpoint::open(test::demoModelPath()));
    }

    void gpuFirstThenCpu()
    {
        const std::vector<DeviceOffer> offers{{"cpu", "cpu", 16 * kGiB}, {"vulkan:0", "gpu", 8 * kGiB}};
        const auto c = automaticCandidates(m_demo, DType::BF16, offers);
        QCOMPARE(texts(c), (std::vector<std::string>{"vulkan:0 fp16", "cpu bf16"}));
        QVERIFY(c[0].why.find("whole model") != std::string::npos);
        // The CPU's precision follows the file's matrices where the CPU runs them as stored.
        QCOMPARE(texts(automaticCandidates(m_demo, DType::F16, offers)).back(), std::string("cpu fp16"));
        QCOMPARE(texts(automaticCandidates(m_demo, DType::I8, offers)).back(), std::string("cpu int8"));
        QCOMPARE(texts(automaticCandidates(m_demo, DType::U8, offers)).back(), std::string("cpu q4"));
        QCOMPARE(texts(automaticCandidates(m_demo, DType::F32, offers)).back(), std::string("cpu bf16"));
    }

    // A GPU too small for the whole model in fp16 takes it as int8 or q4, the widest that fits,
    // and, as a second candidate to measure, the most fp16 layers that fit with the rest on the CPU.
    void splitTakesTheLayersThatFit()
    {
        // The 0.1B shape, as `rwkv-cli info` reads a make-random L12 C768 checkpoint.
        ModelConfig s01;
        s01.nLayer = 12, s01.nEmbd = 768, s01.nHead = 12, s01.headSize = 64, s01.nFfn = 3072, s01.vocab = 65536;
        s01.loraDecay = 64, s01.loraIclr = 64, s01.loraValue = 32, s01.loraGate = 128, s01.paramCount = 191084544;
        const size_t whole = totalOn(s01, parseStrategy("vulkan:0 fp16"), "vulkan:0");
        const int64_t gpuFree = int64_t(double(whole) * 0.5); // room for q4 (0.37 of fp16), not int8 (0.59)
        const std::vector<DeviceOffer> offers{{"cpu", "cpu", 16 * kGiB}, {"vulkan:0", "gpu", gpuFree}};
        const auto c = automaticCandidates(s01, DType::BF16, offers);
        QCOMPARE(c.size(), size_t(3));
        QCOMPARE(c[0].strategy.text(), std::string("vulkan:0 q4"));
        QVERIFY2(c[0].why.find("widest precision that fits") != std::string::npos, c[0].why.c_str());
        const StrategyStage& gpu = c[1].strategy.stages.at(0);
        QCOMPARE(gpu.device, std::string("vulkan:0"));
        QCOMPARE(gpu.precision, DType::F16);
        QVERIFY(gpu.layers >= 1 && gpu.layers < s01.nLayer - 1);
        QCOMPARE(c[1].strategy.stages.at(1).device, std::string("cpu"));
        QVERIFY(double(totalOn(s01, c[1].strategy, "vulkan:0")) <= kFitShare * double(gpuFree));
        Strategy more = c[1].strategy; // one layer more does not fit
        more.stages[0].layers += 1;
        QVERIFY(double(totalOn(s01, more, "vulkan:0")) > kFitShare * double(gpuFree));
        QCOMPARE(c[2].strategy.text(), std::string("cpu bf16"));

        // Room for int8: int8; for q4 only: q4; for neither: the split alone.
        const size_t int8 = totalOn(s01, parseStrategy("vulkan:0 int8"), "vulkan:0");
        const size_t q4 = totalOn(s01, parseStrategy("vulkan:0 q4"), "vulkan:0");
        QVERIFY(q4 < int8 && int8 < whole);
        auto withGpu = [&](size_t bytes, DType fileType) {
            const std::vector<DeviceOffer> o{{"cpu", "cpu", 16 * kGiB}, {"vulkan:0", "gpu", int64_t(double(bytes) / kFitShare) + 4096}};
            return automaticCandidates(s01, fileType, o);
        };
        QCOMPARE(withGpu(int8, DType::BF16).front().strategy.text(), std::string("vulkan:0 int8"));
        QCOMPARE(withGpu(q4, DType::BF16).front().strategy.text(), std::string("vulkan:0 q4"));
        const auto none = withGpu(q4 - 1024 * 1024, DType::BF16);
        QCOMPARE(none.size(), size_t(2));
        QCOMPARE(none.front().strategy.stages.at(0).precision, DType::F16); // the split
        // A quantized file stays in its type on the GPU, whole or in a split.
        QCOMPARE(texts(withGpu(int8, DType::I8)), (std::vector<std::string>{"vulkan:0 int8", "cpu int8"}));
        const auto int8File = withGpu(q4, DType::I8);
        QCOMPARE(int8File.size(), size_t(3));
        QCOMPARE(int8File[0].strategy.text(), std::string("vulkan:0 q4"));
        QCOMPARE(int8File[1].strategy.stages.at(0).precision, DType::Q8);
        QCOMPARE(int8File[1].strategy.stages.at(1).precision, DType::Q8);
        QCOMPARE(int8File[2].strategy.text(), std::string("cpu int8"));
    }

    // Less host memory: int8, then q4; none at all: no candidate and a message with the need.
    void cpuNarrowsWhenShort()
    {
        const size_t bf16 = totalOn(m_demo, parseStrategy("cpu bf16"), "cpu");
        const size_t int8 = totalOn(m_demo, parseStrategy("cpu int8"), "cpu");
        const size_t q4 = totalOn(m_demo, parseStrategy("cpu q4"), "cpu");
        QVERIFY(q4 < int8 && int8 < bf16);
        auto only = [&](size_t bytes) {
            const std::vector<DeviceOffer> offers{{"cpu", "cpu", int64_t(double(bytes) / kFitShare) + 4096}};
            return texts(automaticCandidates(m_demo, DType::BF16, offers));
        };
        QCOMPARE(only(bf16), std::vector<std::string>{"cpu bf16"});
        QCOMPARE(only(int8), std::vector<std::string>{"cpu int8"});
        QCOMPARE(only(q4), std::vector<std::string>{"cpu q4"});
        QVERIFY(only(q4 / 2).empty());
        const std::vector<DeviceOffer> tiny{{"cpu", "cpu", int64_t(q4 / 2)}};
        const std::string message = nothingFitsMessage(m_demo, tiny);
        QVERIFY2(message.find("as q4") != std::string::npos && message.find("free") != std::string::npos, message.c_str());
    }

    // The catalog's guess from a parameter count: a GPU with room in the widest of fp16, int8,
    // q4, else the CPU in the widest of bf16, int8, q4 that has room; a 1.5B model is 2.8 GiB in
    // fp16, 1.5 GiB in int8, 0.8 GiB in q4.
    void catalogFitFromTheParameterCount()
    {
        const int64_t p = 1'500'000'000;
        auto fit = [&](int64_t cpu, int64_t gpu) {
            std::vector<DeviceOffer> offers{{"cpu", "cpu", cpu}};
            if (gpu > 0) offers.push_back({"cuda:0", "gpu", gpu});
            const CatalogFit f = catalogFit(p, offers);
            return f.fits ? f.device + " " + std::string(dtypeName(f.precision)) : std::string("none");
        };
        QCOMPARE(fit(64 * kGiB, 8 * kGiB), std::string("cuda:0 fp16"));
        QCOMPARE(fit(64 * kGiB, 2 * kGiB), std::string("cuda:0 int8"));
        QCOMPARE(fit(64 * kGiB, kGiB * 5 / 4), std::string("cuda:0 q4"));
        QCOMPARE(fit(64 * kGiB, kGiB / 2), std::string("cpu bf16"));
        QCOMPARE(fit(3 * kGiB, 0), std::string("cpu int8"));
        QCOMPARE(fit(kGiB * 3 / 2, 0), std::string("cpu q4"));
        QCOMPARE(fit(kGiB / 2, 0), std::string("none"));
        // The margin: bf16 weights of exactly 90 % of the free memory do not fit.
        const int64_t bf16 = int64_t(storageBytes(DType::BF16, size_t(p)));
        QCOMPARE(fit(int64_t(double(bf16) / kFitShare), 0), std::string("cpu int8"));
    }

    void choicesFileRoundTrip()
    {
        const auto file = std::filesystem::path(m_dir.path().toStdString()) / "sub" / "choices.json";
        const std::vector<DeviceOffer> offers{{"cpu", "cpu (AVX2, 2 threads)", kGiB}};
        const std::string key = choiceKey(test::demoModelPath(), offers);
        QVERIFY(!findStrategyChoice(file, key));
        QVERIFY(rememberStrategyChoice(file, key, {"cpu bf16", "why", {{"cpu bf16", 40.0}, {"vulkan:0 fp16", 3.0}}}));
        QVERIFY(rememberStrategyChoice(file, "another", {"cpu q4", "other", {}}));
        const auto found = findStrategyChoice(file, key);
        QVERIFY(found);
        QCOMPARE(found->strategy, std::string("cpu bf16"));
        QCOMPARE(found->measured.at("vulkan:0 fp16"), 3.0);
        // Another device set is another key; a damaged file counts as empty and is rewritten.
        QVERIFY(choiceKey(test::demoModelPath(), {{{"cpu", "cpu (AVX-512, 2 threads)", kGiB}}}) != key);
        std::ofstream(file, std::ios::trunc) << "{\"truncated";
        QVERIFY(!findStrategyChoice(file, key));
        QVERIFY(rememberStrategyChoice(file, key, {"cpu int8", "why", {}}));
        QCOMPARE(findStrategyChoice(file, key)->strategy, std::string("cpu int8"));
    }

    // The CLI measures on the first load, says what it picked and why, and reuses it after; the
    // reply is the chosen strategy's own.
    void cliMeasuresOnceThenRemembers()
    {
        const QStringList generate{"generate", "--prompt", "The RWKV-7 Goose architecture", "--max-tokens", "6",
                                   "--temperature", "0", "--threads", "2"};
        const auto first = cli(QStringList(generate) << "--strategy" << "auto");
        QCOMPARE(first.exitCode, 0);
        QVERIFY2(first.err.contains("rwkv-cli: automatic strategy \""), first.err.constData());
        QVERIFY2(!first.err.contains("earlier load"), first.err.constData());
        const QByteArray picked = first.err.mid(first.err.indexOf('"') + 1).split('"').first();
        const auto second = cli(QStringList(generate) << "--device" << "auto");
        QCOMPARE(second.exitCode, 0);
        QVERIFY2(second.err.contains("\"" + picked + "\"") && (second.err.contains("earlier load") || second.err.contains("no GPU")),
                 second.err.constData());
        const auto chosen = cli(QStringList(generate) << "--strategy" << QString::fromUtf8(picked));
        QCOMPARE(chosen.exitCode, 0);
        QCOMPARE(first.out, chosen.out);
        QCOMPARE(second.out, chosen.out);

        // A machine with only the CPU: nothing to measure, the CPU in the file's bf16.
        const auto cpuOnly = cli(QStringList(generate) << "--strategy" << "auto", true);
        QCOMPARE(cpuOnly.exitCode, 0);
        QVERIFY2(cpuOnly.err.contains("automatic strategy \"cpu bf16\"") && cpuOnly.err.contains("no GPU is available"),
                 cpuOnly.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestAutoStrategy)
#include "test_auto_strategy.moc"
