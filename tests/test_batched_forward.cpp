// The batched step (Model::forwardBatch) on the CPU: B States at different positions advanced
// together give the logits and States of the same States advanced one by one with forward(),
// for every generation (make-random checkpoints, also split over two stages) and the demo model; greedy decoding in bf16
// picks the same tokens; B = 1 is forward() itself; States of other models are refused;
// rwkv-cli bench --batch reports the batched decode.
#include "backends/cpu/cpu_device.h"
#include "core/checkpoint.h"
#include "core/error.h"
#include "core/io/safetensors_writer.h"
#include "core/model.h"
#include "core/random_model.h"
#include "support/cli_run.h"
#include "support/reference_case.h"
#include "support/test_support.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cstring>
#include <optional>

using namespace rwkv;

namespace {

constexpr double kTolerance = 1e-5; // max|Δ| / max|one by one|, fp32

std::vector<float> floatsOf(const State& s) { return {s.data().begin(), s.data().end()}; }

std::vector<float> row(const std::vector<float>& rows, size_t i, size_t width)
{
    return {rows.begin() + ptrdiff_t(i * width), rows.begin() + ptrdiff_t((i + 1) * width)};
}

int32_t argmax(const std::vector<float>& v) { return int32_t(std::max_element(v.begin(), v.end()) - v.begin()); }

// Deterministic token ids below vocab, different for each seed.
std::vector<int32_t> tokensFor(size_t n, int vocab, uint32_t seed)
{
    std::vector<int32_t> t(n);
    for (size_t i = 0; i < n; ++i) t[i] = int32_t((seed * 131 + i * 17 + i * i * 5) % uint32_t(vocab));
    return t;
}

// B States fed prompts of different lengths (the first one none at all), so they sit at
// different positions.
std::vector<State> statesAtPositions(Model& model, std::span<const size_t> lengths)
{
    std::vector<State> states;
    for (size_t b = 0; b < lengths.size(); ++b) {
        states.push_back(model.newState());
        if (lengths[b] > 0) model.forward(tokensFor(lengths[b], model.config().vocab, uint32_t(b + 1)), states.back());
    }
    return states;
}

std::vector<State*> pointers(std::vector<State>& states)
{
    std::vector<State*> p;
    for (State& s : states) p.push_back(&s);
    return p;
}

Generation generationOf(const QString& name)
{
    return name == "x040" ? Generation::X040 : name == "x052" ? Generation::X052 : name == "x060" ? Generation::X060 : Generation::X070;
}

} // namespace

class TestBatchedForward : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    cpu::CpuDevice m_cpu{2}, m_cpuB{1};

    // A small random checkpoint of the generation; headSize 64 for RWKV-7 reaches its
    // several-token WKV path too.
    Checkpoint randomCheckpoint(const QString& arch, uint64_t seed = 1, int width = 128)
    {
        RandomModelSpec spec;
        spec.generation = generationOf(arch);
        spec.layers = 2;
        spec.width = width;
        spec.vocab = 300;
        spec.headSize = spec.generation == Generation::X070 ? 64 : 32;
        spec.dtype = DType::F32;
        spec.seed = seed;
        const std::filesystem::path file =
            m_dir.filePath(QString("%1-%2-%3.safetensors").arg(arch).arg(seed).arg(width)).toStdString();
        if (!std::filesystem::exists(file)) writeSafetensors(file, makeRandomModel(spec));
        return Checkpoint::open(file);
    }

    // Steps B States at different positions `steps` times with `perStep` tokens each, batched
    // and one by one, and compares every step's logits and the final States.
    void checkParity(Model& model, std::span<const size_t> lengths, int steps, size_t perStep)
    {
        std::vector<State> batched = statesAtPositions(model, lengths), single = batched;
        std::vector<State*> ptrs = pointers(batched);
        const size_t B = lengths.size(), V = size_t(model.config().vocab);
        for (int step = 0; step < steps; ++step) {
            std::vector<int32_t> tokens;
            for (size_t b = 0; b < B; ++b) {
                const std::vector<int32_t> t = tokensFor(perStep, int(V), uint32_t(100 + step * 7 + b));
                tokens.insert(tokens.end(), t.begin(), t.end());
            }
            const std::vector<float> logits = model.forwardBatch(tokens, ptrs);
            QCOMPARE(logits.size(), B * V);
            for (size_t b = 0; b < B; ++b) {
                const std::vector<float> want = model.forward(std::span(tokens).subspan(b * perStep, perStep), single[b]);
                const double err = test::relativeMaxError(row(logits, b, V), want);
                QVERIFY2(err < kTolerance, qPrintable(QString("step %1, state %2: logits %3").arg(step).arg(b).arg(err)));
            }
        }
        for (size_t b = 0; b < B; ++b) {
            const double err = test::relativeMaxError(floatsOf(batched[b]), floatsOf(single[b]));
            QVERIFY2(err < kTolerance, qPrintable(QString("state %1: %2").arg(b).arg(err)));
        }
    }

    // Greedy decoding of B prompts, batched and one by one: the same tokens.
    void checkGreedy(Model& model, std::span<const size_t> lengths, int steps)
    {
        std::vector<State> batched = statesAtPositions(model, lengths), single = batched;
        std::vector<State*> ptrs = pointers(batched);
        const size_t B = lengths.size(), V = size_t(model.config().vocab);
        std::vector<int32_t> next(B), nextSingle(B);
        for (size_t b = 0; b < B; ++b) next[b] = nextSingle[b] = int32_t((b * 37 + 11) % V);
        for (int step = 0; step < steps; ++step) {
            const std::vector<float> logits = model.forwardBatch(next, ptrs);
            for (size_t b = 0; b < B; ++b) {
                next[b] = argmax(row(logits, b, V));
                nextSingle[b] = argmax(model.forward(std::span(&nextSingle[b], 1), single[b]));
            }
            QCOMPARE(next, nextSingle);
        }
    }

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void batchedEqualsOneByOne_data()
    {
        QTest::addColumn<QString>("arch");
        for (const char* a : {"x040", "x052", "x060", "x070"}) QTest::newRow(a) << QString(a);
    }

    // One token each (decode), a short chunk each, and 5 States of 40 tokens (more than one
    // chunk of kMaxChunkTokens rows), all fp32.
    void batchedEqualsOneByOne()
    {
        QFETCH(QString, arch);
        auto model = Model::load(randomCheckpoint(arch), m_cpu, DType::F32);
        const size_t four[] = {0, 1, 5, 13}, five[] = {3, 0, 8, 2, 21};
        checkParity(*model, four, 6, 1);
        if (QTest::currentTestFailed()) return;
        checkParity(*model, four, 2, 6);
        if (QTest::currentTestFailed()) return;
        checkParity(*model, five, 1, 40);
        if (QTest::currentTestFailed()) return;
        // Over a layer split each stage keeps its own layers of the batch.
        const StagePlan split[] = {{&m_cpu, DType::F32, 1}, {&m_cpuB, DType::F32, -1}};
        auto twoStages = Model::load(randomCheckpoint(arch), split);
        checkParity(*twoStages, four, 3, 2);
    }

    void greedyBf16_data() { batchedEqualsOneByOne_data(); }

    void greedyBf16()
    {
        QFETCH(QString, arch);
        auto model = Model::load(randomCheckpoint(arch), m_cpu, DType::BF16);
        // 3 and 8 rows: the decode loop (in groups of 6 on AVX-512); 17: the GEMM path.
        const size_t three[] = {2, 9, 0}, eight[] = {2, 9, 0, 1, 4, 7, 3, 12},
                     seventeen[] = {2, 9, 0, 1, 4, 7, 3, 12, 5, 0, 6, 1, 8, 2, 10, 3, 11};
        checkGreedy(*model, three, 16);
        if (QTest::currentTestFailed()) return;
        checkGreedy(*model, eight, 16);
        if (QTest::currentTestFailed()) return;
        checkGreedy(*model, seventeen, 8);
    }

    void demoModel()
    {
        const Checkpoint ck = Checkpoint::open(test::demoModelPath());
        auto fp32 = Model::load(ck, m_cpu, DType::F32);
        const size_t lengths[] = {7, 0, 30};
        checkParity(*fp32, lengths, 4, 1);
        if (QTest::currentTestFailed()) return;
        checkParity(*fp32, lengths, 1, 4);
        if (QTest::currentTestFailed()) return;
        auto bf16 = Model::load(ck, m_cpu, DType::BF16);
        checkGreedy(*bf16, lengths, 16);
        if (QTest::currentTestFailed()) return;
        const size_t eight[] = {5, 1, 0, 12, 3, 8, 2, 20};
        checkGreedy(*bf16, eight, 16);
    }

    // Between steps the States stay in the batch buffers: the same States in the same slots copy
    // nothing, a State that changes slot, is read, fed alone or replaced copies only itself, and a
    // State outliving its model keeps its floats. Every step still equals forward() one by one.
    void batchStaysBetweenSteps()
    {
        auto model = Model::load(randomCheckpoint("x070"), m_cpu, DType::F32);
        const size_t lengths[] = {0, 4, 9, 2};
        std::vector<State> batched = statesAtPositions(*model, lengths), single = batched;
        const size_t V = size_t(model->config().vocab);
        int32_t token = 7;
        auto step = [&](std::vector<size_t> order) {
            std::vector<State*> ptrs;
            std::vector<int32_t> tokens;
            for (size_t i : order) {
                ptrs.push_back(&batched[i]);
                tokens.push_back(token);
                token = int32_t((token * 31 + 5) % int32_t(V));
            }
            const std::vector<float> logits = model->forwardBatch(tokens, ptrs);
            for (size_t j = 0; j < order.size(); ++j) {
                const std::vector<float> want = model->forward(std::span(&tokens[j], 1), single[order[j]]);
                QVERIFY2(test::relativeMaxError(row(logits, j, V), want) < kTolerance, qPrintable(QString("slot %1").arg(j)));
            }
        };
        auto moved = [&](int64_t in, int64_t out) {
            const Model::StateTransfers t = model->stateTransfers();
            return t.batchIn == in && t.batchOut == out;
        };
        step({0, 1, 2});
        QVERIFY(moved(3, 0));
        for (int i = 0; i < 4; ++i) step({0, 1, 2});
        QVERIFY(moved(3, 0));                                // the same slots: nothing copied
        QVERIFY(test::relativeMaxError(floatsOf(batched[1]), floatsOf(single[1])) < kTolerance);
        QVERIFY(moved(3, 1));                                // reading one brings it home
        step({0, 1, 2});
        QVERIFY(moved(4, 1));                                // and it goes back in its slot
        step({2, 1, 0});
        QVERIFY(moved(6, 3));                                // two States swap slots
        step({2, 1, 3});
        QVERIFY(moved(7, 4));                                // State 0 leaves, State 3 joins
        model->forward(std::span(&token, 1), batched[1]);    // fed alone: comes home first
        model->forward(std::span(&token, 1), single[1]);
        QVERIFY(moved(7, 5));
        step({2, 1, 3});
        step({0, 3});                                        // another B: every slot anew
        QVERIFY(moved(10, 8));
        if (QTest::currentTestFailed()) return;
        step({1, 2, 0, 3});
        const std::vector<float> want = floatsOf(single[3]);
        model.reset();                                       // the States outlive their model
        QVERIFY(test::relativeMaxError(floatsOf(batched[3]), want) < kTolerance);
        for (size_t b = 0; b < 3; ++b)
            QVERIFY(test::relativeMaxError(floatsOf(batched[b]), floatsOf(single[b])) < kTolerance);
    }

    // The comparison above tells the States apart: each one's logits are far from any other's,
    // so rows in the wrong order could not pass it.
    void rowsOfDifferentStatesDiffer()
    {
        auto model = Model::load(randomCheckpoint("x070"), m_cpu, DType::F32);
        const size_t lengths[] = {0, 1, 5};
        std::vector<State> states = statesAtPositions(*model, lengths);
        std::vector<State*> ptrs = pointers(states);
        const std::vector<int32_t> tokens = {4, 4, 4};
        const std::vector<float> logits = model->forwardBatch(tokens, ptrs);
        const size_t V = size_t(model->config().vocab);
        for (size_t a = 0; a < 3; ++a)
            for (size_t b = 0; b < 3; ++b)
                if (a != b) QVERIFY(test::relativeMaxError(row(logits, a, V), row(logits, b, V)) > 1e-3);
    }

    // B = 1 is forward(): the same bits.
    void singleIsForward()
    {
        auto model = Model::load(randomCheckpoint("x060"), m_cpu, DType::F32);
        State a = model->newState(), b = model->newState();
        const std::vector<int32_t> tokens = tokensFor(9, 300, 3);
        State* one[] = {&a};
        const std::vector<float> batched = model->forwardBatch(tokens, one);
        const std::vector<float> single = model->forward(tokens, b);
        QVERIFY(batched == single);
        QVERIFY(floatsOf(a) == floatsOf(b));
    }

    // States of another model (other weights or another shape), the same State twice, no
    // States or a token count that does not divide among them: a clear error, nothing changed.
    void badBatchesAreRefused()
    {
        auto model = Model::load(randomCheckpoint("x070"), m_cpu, DType::F32);
        auto otherWeights = Model::load(randomCheckpoint("x070", 2), m_cpu, DType::F32);
        auto otherShape = Model::load(randomCheckpoint("x070", 1, 192), m_cpu, DType::F32);
        const size_t lengths[] = {1, 2};
        std::vector<State> states = statesAtPositions(*model, lengths);
        const std::vector<float> before = floatsOf(states[0]);
        const std::vector<int32_t> two = {1, 2}, three = {1, 2, 3}, outside = {1, 300};
        auto codeOf = [&](std::span<const int32_t> tokens, std::span<State* const> ptrs) {
            try {
                model->forwardBatch(tokens, ptrs);
            } catch (const Error& e) {
                return std::optional<ErrorCode>(e.code());
            }
            return std::optional<ErrorCode>();
        };
        for (Model* other : {otherWeights.get(), otherShape.get()}) {
            State foreign = other->newState();
            State* mixed[] = {&states[0], &foreign};
            QVERIFY(codeOf(two, mixed) == ErrorCode::IncompatibleState);
        }
        State* twice[] = {&states[0], &states[0]};
        QVERIFY(codeOf(two, twice) == ErrorCode::InvalidArgument);
        State* pair[] = {&states[0], &states[1]};
        QVERIFY(codeOf(three, pair) == ErrorCode::InvalidArgument);
        QVERIFY(codeOf(outside, pair) == ErrorCode::InvalidArgument);
        QVERIFY(codeOf({}, pair) == ErrorCode::InvalidArgument);
        QVERIFY(codeOf(two, {}) == ErrorCode::InvalidArgument);
        QVERIFY(floatsOf(states[0]) == before);
    }

    // A tiny run for the figure's presence and sense, not for speed.
    void benchReportsBatchedDecode()
    {
        const QString cli = QString::fromStdString((test::binDir() / "rwkv-cli").string());
        const QString model = QString::fromStdString(test::demoModelPath().string());
        const QStringList common = {"bench", "--model", model, "--prompt-tokens", "4", "--gen-tokens", "3",
                                    "--repetitions", "1", "--threads", "1"};
        const test::CliRun run = test::runCli(cli, common + QStringList{"--batch", "3", "--json"});
        QCOMPARE(run.exitCode, 0);
        const QJsonObject j = QJsonDocument::fromJson(run.out).object();
        QCOMPARE(j["batch"].toInt(), 3);
        QVERIFY(j["batch_decode_tokens_per_s"].toDouble() > 0);
        QVERIFY(j["decode_tokens_per_s"].toDouble() > 0);
        const test::CliRun single = test::runCli(cli, common + QStringList{"--json"});
        QCOMPARE(single.exitCode, 0);
        QVERIFY(!QJsonDocument::fromJson(single.out).object().contains("batch"));
        test::verifyCleanError(test::runCli(cli, common + QStringList{"--batch", "129"}), 2, "--batch");
    }
};

QTEST_GUILESS_MAIN(TestBatchedForward)
#include "test_batched_forward.moc"
