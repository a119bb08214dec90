// The memory estimate before loading (core/memory_estimate.h) against what loading takes,
// measured without the estimate's code: the bytes DeviceWeights allocated, for every generation
// and precision; and `rwkv-cli memory --check` on a 0.1B-shape checkpoint, where a fresh process
// reads its resident memory (the CPU) and lavapipe's memory meter before and after loading.
#include "backends/cpu/cpu_device.h"
#include "backends/registry.h"
#include "core/checkpoint.h"
#include "core/error.h"
#include "core/io/safetensors_writer.h"
#include "core/memory_estimate.h"
#include "core/model.h"
#include "core/random_model.h"
#include "support/cli_run.h"
#include "support/gpu_device.h"
#include "support/test_support.h"

#include <nlohmann/json.hpp>

#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace rwkv;

namespace {

// The estimate's total and the measured bytes of each device of `strategy` on `model`.
std::map<std::string, std::pair<double, double>> checkedMemory(const std::filesystem::path& model, const QString& strategy)
{
    const test::CliRun r = test::runCli(QString::fromStdString((test::binDir() / "rwkv-cli").string()),
                                        {"memory", "--model", QString::fromStdString(model.string()), "--strategy",
                                         strategy, "--threads", "2", "--check", "--json"});
    if (r.exitCode != 0) qWarning("%s", r.err.constData());
    std::map<std::string, std::pair<double, double>> out;
    if (r.exitCode != 0) return out;
    const nlohmann::json j = nlohmann::json::parse(r.out.toStdString());
    for (const auto& d : j.at("devices"))
        out[d.at("device").get<std::string>()] = {d.at("total_bytes").get<double>(), d.at("measured_bytes").get<double>()};
    return out;
}

bool vulkanAvailable()
{
    for (const DeviceInfo& d : listDevices())
        if (d.id.starts_with("vulkan:") && d.available) return true;
    return false;
}

} // namespace

class TestMemoryEstimate : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::filesystem::path m_model01; // 0.1B shape, x070, bf16

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_model01 = std::filesystem::path(m_dir.path().toStdString()) / "s01.safetensors";
        RandomModelSpec spec; // L12 C768 V65536, the 0.1B shape
        writeSafetensors(m_model01, makeRandomModel(spec));
    }

    // The weights' estimate against the bytes the loaded model holds (its device buffers and
    // in-place mappings, counted as they are made) plus the fp32 embedding, for each
    // generation's layer layout and every precision.
    void weightsMatchTheLoadedModel_data()
    {
        QTest::addColumn<int>("generation");
        QTest::newRow("x040") << int(Generation::X040);
        QTest::newRow("x052") << int(Generation::X052);
        QTest::newRow("x060") << int(Generation::X060);
        QTest::newRow("x070") << int(Generation::X070);
    }
    void weightsMatchTheLoadedModel()
    {
        QFETCH(int, generation);
        RandomModelSpec spec;
        spec.generation = Generation(generation);
        spec.layers = 3;
        spec.width = 512;
        spec.vocab = 4096;
        const auto file = std::filesystem::path(m_dir.path().toStdString()) / "small.safetensors";
        writeSafetensors(file, makeRandomModel(spec));
        const Checkpoint checkpoint = Checkpoint::open(file);
        cpu::CpuDevice cpu(1);
        for (const char* name : kPrecisionNames) {
            const DType precision = parsePrecision(name);
            const auto model = Model::load(checkpoint, cpu, precision);
            const ModelConfig& c = model->config();
            const double loaded = double(model->weightBytes()); // the embedding included
            const double estimate = double(estimatedWeightBytes(c, precision));
            QVERIFY2(std::abs(estimate / loaded - 1) < 0.02,
                     qPrintable(QString("%1: estimate %2, loaded %3").arg(name).arg(estimate).arg(loaded)));
            const auto perDevice = estimateMemory(c, parseStrategy(std::string("cpu ") + name));
            QCOMPARE(perDevice.size(), size_t(1));
            QCOMPARE(perDevice[0].weights, size_t(estimate));
        }
    }

    // A split names each device once, and its layers' weights and State go where they run.
    void splitPlacesEachPart()
    {
        const ModelConfig c = detectModelConfig(Checkpoint::open(m_model01));
        const auto whole = estimateMemory(c, parseStrategy("vulkan:0 fp16"));
        const auto split = estimateMemory(c, parseStrategy("vulkan:0 fp16 *4 -> cpu fp32 *6 -> vulkan:0 fp16 *2"));
        QCOMPARE(whole.size(), size_t(2));
        QCOMPARE(whole[0].device, std::string("cpu"));
        QCOMPARE(whole[1].device, std::string("vulkan:0"));
        QCOMPARE(whole[1].state, size_t(c.stateBytes()));
        QCOMPARE(split.size(), size_t(2));
        QCOMPARE(split[1].state, size_t(c.stateBytes()) / 2); // 6 of the 12 layers
        QVERIFY(split[0].weights > whole[0].weights);         // 6 layers in fp32 on the cpu
        QVERIFY(split[1].working > whole[1].working);         // two stages' scratch
        QVERIFY_THROWS_EXCEPTION(Error, estimateMemory(c, parseStrategy("cpu fp32 *13")));
    }

    // Within 10 % of the process's resident memory for the 0.1B shape at every CPU precision
    // (bf16 used in place from the file, the others converted) and over a host split.
    void cpuWithinTenPercent_data()
    {
        QTest::addColumn<QString>("strategy");
        for (const char* s : {"cpu fp32", "cpu bf16", "cpu fp16", "cpu int8", "cpu q4", "cpu fp16 *6 -> cpu bf16"})
            QTest::newRow(s) << QString(s);
    }
    void cpuWithinTenPercent()
    {
        QFETCH(QString, strategy);
        const auto got = checkedMemory(m_model01, strategy);
        QVERIFY(got.contains("cpu"));
        const auto [estimate, measured] = got.at("cpu");
        QVERIFY2(measured > 100e6 && std::abs(estimate / measured - 1) <= 0.10,
                 qPrintable(QString("estimate %1 MiB, measured %2 MiB").arg(estimate / 1048576).arg(measured / 1048576)));
    }

    // The GPU's part of a split, and the whole model as int8 and q4, against lavapipe's memory
    // meter (its memory is the process's own, so the CPU's row is not checked here).
    void vulkanWithinTenPercent_data()
    {
        QTest::addColumn<QString>("strategy");
        for (const char* s : {"vulkan:0 fp16 *6 -> cpu bf16", "vulkan:0 int8", "vulkan:0 q4"}) QTest::newRow(s) << QString(s);
    }
    void vulkanWithinTenPercent()
    {
        if (!vulkanAvailable()) {
            if (test::deviceRequired(test::kVulkan)) QFAIL("no Vulkan device, and RWKV_REQUIRE_VULKAN is set");
            QSKIP("no Vulkan device");
        }
        QFETCH(QString, strategy);
        const auto got = checkedMemory(m_model01, strategy);
        QVERIFY(got.contains("vulkan:0"));
        const auto [estimate, measured] = got.at("vulkan:0");
        QVERIFY2(measured > 50e6 && std::abs(estimate / measured - 1) <= 0.10,
                 qPrintable(QString("estimate %1 MiB, measured %2 MiB").arg(estimate / 1048576).arg(measured / 1048576)));
    }
};

QTEST_GUILESS_MAIN(TestMemoryEstimate)
#include "test_memory_estimate.moc"
