// State-tuning files (rwkv-spec §8): loaded as the WKV part of the initial state for every
// generation with heads, refused with a clear error for another shape, and the merged form
// inside a model checkpoint becomes the model's default initial state.
#include "backends/registry.h"
#include "core/checkpoint.h"
#include "core/error.h"
#include "core/io/safetensors_writer.h"
#include "core/model.h"
#include "core/random_model.h"
#include "core/state_file.h"

#include <QTemporaryDir>
#include <QTest>

#include <cstring>
#include <random>

using namespace rwkv;

namespace {

// A time_state file with `layers` tensors (heads, n, n) of seeded random bf16-exact values.
std::vector<NamedTensor> stateTensors(int layers, int64_t heads, int64_t n, std::vector<float>* values)
{
    std::mt19937 rng(5);
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    std::vector<NamedTensor> out;
    for (int i = 0; i < layers; ++i) {
        NamedTensor t{"blocks." + std::to_string(i) + ".att.time_state", DType::F32, {heads, n, n}, {}};
        std::vector<float> v(size_t(heads * n * n));
        for (float& x : v) x = dist(rng);
        if (values) values->insert(values->end(), v.begin(), v.end());
        t.bytes.resize(v.size() * 4);
        std::memcpy(t.bytes.data(), v.data(), t.bytes.size());
        out.push_back(std::move(t));
    }
    return out;
}

std::string path(const QTemporaryDir& dir, const char* name) { return dir.filePath(name).toStdString(); }

} // namespace

class TestStateFile : public QObject {
    Q_OBJECT

private slots:
    void loadsIntoEveryLayer_data()
    {
        QTest::addColumn<int>("generation");
        QTest::newRow("x052") << int(Generation::X052);
        QTest::newRow("x060") << int(Generation::X060);
        QTest::newRow("x070") << int(Generation::X070);
    }

    void loadsIntoEveryLayer()
    {
        QFETCH(int, generation);
        QTemporaryDir dir;
        RandomModelSpec spec;
        spec.generation = Generation(generation);
        spec.layers = 2;
        spec.width = 128;
        spec.vocab = 50;
        writeSafetensors(path(dir, "model.st"), makeRandomModel(spec));
        std::vector<float> values;
        writeSafetensors(path(dir, "state.st"), stateTensors(2, 2, 64, &values));

        auto device = createDevice("cpu");
        const Checkpoint ck = Checkpoint::open(path(dir, "model.st"));
        auto model = Model::load(ck, *device, DType::F32);
        State tuned = loadStateFile(path(dir, "state.st"), model->config(), model->fingerprint());
        std::vector<float> wkv;
        for (int i = 0; i < 2; ++i) {
            for (float x : tuned.attShift(i)) QCOMPARE(x, 0.0f);
            for (float x : tuned.ffnShift(i)) QCOMPARE(x, 0.0f);
            wkv.insert(wkv.end(), tuned.wkv(i).begin(), tuned.wkv(i).end());
        }
        QCOMPARE(wkv, values);

        // The tuned state changes what the model says.
        State zero = model->newState();
        const std::vector<int32_t> tokens = {1, 2, 3};
        QVERIFY(model->forward(tokens, tuned) != model->forward(tokens, zero));

        // Merged into the model file, it becomes the default initial state.
        std::vector<NamedTensor> merged = makeRandomModel(spec);
        for (NamedTensor& t : stateTensors(2, 2, 64, nullptr)) merged.push_back(std::move(t));
        writeSafetensors(path(dir, "merged.st"), merged);
        const Checkpoint mck = Checkpoint::open(path(dir, "merged.st"));
        auto mergedModel = Model::load(mck, *device, DType::F32);
        const State initial = mergedModel->newState();
        QVERIFY(std::equal(values.begin(), values.begin() + 2 * 64 * 64, initial.data().begin() + 2 * 128));
    }

    void refusesMismatches()
    {
        QTemporaryDir dir;
        RandomModelSpec spec;
        spec.layers = 2;
        spec.width = 128;
        spec.vocab = 50;
        writeSafetensors(path(dir, "model.st"), makeRandomModel(spec));
        auto device = createDevice("cpu");
        const Checkpoint ck = Checkpoint::open(path(dir, "model.st"));
        auto model = Model::load(ck, *device, DType::F32);
        const ModelConfig& c = model->config();

        writeSafetensors(path(dir, "layers.st"), stateTensors(3, 2, 64, nullptr));
        writeSafetensors(path(dir, "heads.st"), stateTensors(2, 4, 32, nullptr));
        auto expectError = [&](const std::string& file, ErrorCode code, const char* mention) {
            try {
                loadStateFile(file, c, model->fingerprint());
                QFAIL("no error");
            } catch (const Error& e) {
                QCOMPARE(int(e.code()), int(code));
                QVERIFY2(std::string(e.what()).find(mention) != std::string::npos, e.what());
            }
        };
        expectError(path(dir, "layers.st"), ErrorCode::IncompatibleState, "3 layers");
        expectError(path(dir, "heads.st"), ErrorCode::IncompatibleState, "another model");
        expectError(path(dir, "model.st"), ErrorCode::BadFile, "is a model");

        spec.generation = Generation::X040;
        writeSafetensors(path(dir, "v4.st"), makeRandomModel(spec));
        const Checkpoint v4 = Checkpoint::open(path(dir, "v4.st"));
        auto v4model = Model::load(v4, *device, DType::F32);
        try {
            loadStateFile(path(dir, "heads.st"), v4model->config(), v4model->fingerprint());
            QFAIL("no error");
        } catch (const Error& e) {
            QCOMPARE(int(e.code()), int(ErrorCode::Unsupported));
        }
    }
};

QTEST_GUILESS_MAIN(TestStateFile)
#include "test_state_file.moc"
