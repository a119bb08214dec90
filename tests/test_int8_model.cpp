// int8 weights (DType::Q8, core/quantize.h) end to end on the CPU: the format's round-trip
// bound, then whole models under "cpu int8" against fp32: the reference cases and the demo
// model on text it was not trained on (logits error, top-1 agreement), and layer splits.
#include "backends/registry.h"
#include "backends/strategy_devices.h"
#include "core/strategy.h"
#include "core/checkpoint.h"
#include "core/dtype.h"
#include "core/io/safetensors_writer.h"
#include "core/model.h"
#include "core/quantize.h"
#include "core/tokenizer/world_tokenizer.h"
#include "support/reference_case.h"
#include "support/test_support.h"
#include "support/weight_decode.h"

#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

using namespace rwkv;
using rwkv::test::decodeF16;
using rwkv::test::q8Scale;

namespace {

// Logits comparison of two runs over the same positions.
struct Agreement {
    double maxRelative = 0; // max|a - b| / max|b| over all positions
    double top1 = 0;        // share of positions whose argmax agrees
    size_t positions = 0;
};

Agreement compare(const std::vector<float>& got, const std::vector<float>& ref, size_t vocab)
{
    Agreement a;
    a.positions = ref.size() / vocab;
    double maxAbs = 0, maxErr = 0;
    size_t same = 0;
    for (size_t p = 0; p < a.positions; ++p) {
        const float* g = got.data() + p * vocab;
        const float* r = ref.data() + p * vocab;
        for (size_t i = 0; i < vocab; ++i) {
            maxAbs = std::max(maxAbs, double(std::fabs(r[i])));
            maxErr = std::max(maxErr, double(std::fabs(g[i] - r[i])));
        }
        same += std::max_element(g, g + vocab) - g == std::max_element(r, r + vocab) - r;
    }
    a.maxRelative = maxErr / maxAbs;
    a.top1 = double(same) / double(a.positions);
    return a;
}

// The logits bound for a checkpoint under int8, from the quantization error measured on its
// own matrices. To first order, a matmul whose weights carry a relative rms error ε moves its
// outputs by about ε of their size; along the path to the logits these moves add at most
// linearly, and the norms between layers keep activations at unit scale, so they are not
// amplified. Every quantized matrix (nn.Linear weights of whole 32-blocks, head included,
// not the embedding: weights.h) is on every token's path, so the bound is their count times
// the largest ε. It is loose (measured errors are 2.5-14× below it) but not vacuous: int8
// weights whose scales were lost or misplaced miss it by orders of magnitude.
double logitsBound(const Checkpoint& ck)
{
    size_t quantized = 0;
    double worst = 0;
    for (const TensorView& t : ck.tensors()) {
        if (t.shape.size() != 2 || !t.name.ends_with(".weight") || t.name == "emb.weight" || t.shape[1] % 32 != 0)
            continue;
        std::vector<float> w(size_t(t.numel()));
        convertToFloat(t.bytes.data(), t.dtype, w.size(), w.data());
        const std::vector<std::byte> q = quantizeQ8(w, t.shape[1]);
        double err = 0, norm = 0;
        for (size_t i = 0; i < w.size(); ++i) {
            const double e = double(w[i]) - double(int8_t(q[i])) * q8Scale(q, w.size(), i / 32);
            err += e * e;
            norm += double(w[i]) * double(w[i]);
        }
        worst = std::max(worst, std::sqrt(err / norm));
        ++quantized;
    }
    return double(quantized) * worst;
}

std::vector<float> allLogits(const Checkpoint& ck, Device& device, DType type, std::span<const int32_t> tokens)
{
    auto model = Model::load(ck, device, type);
    State state = model->newState();
    return model->forward(tokens, state, true);
}

} // namespace

class TestInt8Model : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<Device> m_cpu = createDevice("cpu");

private slots:
    // |w - q·d| ≤ d/2 per element (core/quantize.h), d = fp16(max|w|/127) of its block, for
    // blocks of very different magnitudes (down to fp16-subnormal scales), a zero block and one
    // outlier per block.
    void roundTripBound()
    {
        const size_t cols = 96, rows = 40;
        std::mt19937 rng(7);
        std::normal_distribution<float> normal(0.0f, 1.0f);
        std::vector<float> w(rows * cols);
        for (size_t r = 0; r < rows; ++r)
            for (size_t c = 0; c < cols; ++c) {
                const float magnitude = std::ldexp(1.0f, int(r % 20) - 12); // 2^-12 … 2^7
                w[r * cols + c] = r == 5 ? 0.0f : normal(rng) * magnitude * (c % 32 == 3 ? 30.0f : 1.0f);
            }
        const std::vector<std::byte> q = quantizeQ8(w, int64_t(cols));
        QCOMPARE(q.size(), w.size() + w.size() / 32 * 2);
        const std::vector<float> deq = dequantizeQ8(q.data(), w.size());
        for (size_t b = 0; b < w.size() / 32; ++b) {
            const double d = q8Scale(q, w.size(), b);
            double amax = 0;
            for (size_t i = b * 32; i < b * 32 + 32; ++i) amax = std::max(amax, double(std::fabs(w[i])));
            // d is amax/127 rounded to fp16: relative 2^-11, absolute 2^-25 below 2^-14 (subnormal),
            // where the clamp to ±127 may add up to 127·2^-25 to an element's error.
            const double dError = std::max(amax / 127 * 0x1p-11, 0x1p-25);
            const double slack = d < 0x1p-14 ? 127 * 0x1p-25 : 0.0;
            QVERIFY2(std::fabs(d - amax / 127) <= dError, qPrintable(QString("block %1").arg(b)));
            for (size_t i = b * 32; i < b * 32 + 32; ++i) {
                const double decoded = double(int8_t(q[i])) * d; // independent decode
                QCOMPARE(double(deq[i]), decoded);
                if (!(std::fabs(double(w[i]) - decoded) <= d / 2 * (1 + 1e-6) + slack))
                    QFAIL(qPrintable(QString("element %1: %2 → %3, d %4").arg(i).arg(w[i]).arg(decoded).arg(d)));
            }
        }
    }

    // The reference cases (bf16 weights, C = 128, 2 layers) under int8 against the official
    // package's fp32 logits.
    void referenceCases_data()
    {
        QTest::addColumn<QString>("caseName");
        for (const char* c : {"x040_c128_l2_v1000", "x052_c128_l2_v1000", "x060_c128_l2_v1000", "x070_c128_l2_v1000"})
            QTest::newRow(c) << QString(c);
    }

    void referenceCases()
    {
        QFETCH(QString, caseName);
        const test::ReferenceCase ref = test::loadReferenceCase(caseName.toStdString());
        const Checkpoint ck = Checkpoint::open(ref.safetensors);
        auto model = Model::load(ck, *m_cpu, DType::Q8);
        const test::ReferenceRun run = test::runReferenceCase(*model, ref);
        const size_t vocab = ref.logitsLast.size();
        const Agreement a = compare(run.logits, allLogits(ck, *m_cpu, DType::F32, ref.tokens), vocab);
        const double bound = logitsBound(ck);
        qInfo("int8 vs fp32: max|Δ|/max|ref| %.2e (bound %.2e) over %zu positions, top-1 %.1f %%; vs package: last %.2e",
              a.maxRelative, bound, a.positions, 100 * a.top1, run.lastError);
        QVERIFY(a.maxRelative <= bound);
        // Random weights: near-ties make top-1 noisy, so only the logits are bounded here.
        QVERIFY(run.lastError <= bound);
    }

    // The demo model on text it was not trained on (it knows only chat and document forms).
    void demoModel()
    {
        const Checkpoint ck = Checkpoint::open(test::demoModelPath());
        const auto tokenizer = WorldTokenizer::load(test::worldVocabPath());
        const char* texts[] = {
            "The quick brown fox jumps over the lazy dog. Pack my box with five dozen liquor jugs.",
            "In 1854 the cholera outbreak near Broad Street in London was traced to a single water pump.",
            "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n",
            "User: What is the tallest mountain in the world?\n\nAssistant:",
            "Document: Photosynthesis turns light, water and carbon dioxide into sugar and oxygen.\n\n",
        };
        size_t positions = 0, agreeing = 0;
        double worst = 0;
        for (const char* text : texts) {
            const std::vector<int32_t> tokens = tokenizer->encode(text);
            const std::vector<float> ref = allLogits(ck, *m_cpu, DType::F32, tokens);
            const Agreement a = compare(allLogits(ck, *m_cpu, DType::Q8, tokens), ref, 65536);
            positions += a.positions;
            agreeing += size_t(std::lround(a.top1 * double(a.positions)));
            worst = std::max(worst, a.maxRelative);
        }
        const double bound = logitsBound(ck);
        qInfo("demo model int8 vs fp32: max|Δ|/max|ref| %.2e (bound %.2e), top-1 %zu/%zu", worst, bound, agreeing,
              positions);
        QVERIFY(worst <= bound);
        QVERIFY2(double(agreeing) >= 0.98 * double(positions), "issue 18's target: top-1 agreement ≥ 98 %");
    }

    // Which tensors int8 touches (design.md "int8 weights"), end to end: the demo model under
    // int8 equals, up to fp32 rounding order, an fp32 model whose nn.Linear matrices (head
    // included, embedding not) were replaced by their decoded int8 values and whose LoRA
    // factors (RWKV-7: w1 … g2) were rounded to fp16. q·d is exact in fp32, so prefill (both
    // widen into the same GEMM) is bit for bit equal; decode differs only in the order of the
    // sums (int8 rows stream one at a time, fp32 rows in groups of four).
    void equalsDequantizedModel()
    {
        const Checkpoint ck = Checkpoint::open(test::demoModelPath());
        std::vector<NamedTensor> tensors;
        for (const TensorView& t : ck.tensors()) {
            NamedTensor n{t.name, t.dtype, t.shape, {t.bytes.begin(), t.bytes.end()}};
            const std::string leaf = t.name.substr(t.name.rfind('.') + 1);
            const bool quantized = t.shape.size() == 2 && t.name.ends_with(".weight") && t.name != "emb.weight";
            const bool factor = t.shape.size() == 2 && leaf.size() == 2 && std::string("wavg").find(leaf[0]) != std::string::npos
                && (leaf[1] == '1' || leaf[1] == '2');
            if (quantized || factor) {
                std::vector<float> w(size_t(t.numel()));
                convertToFloat(t.bytes.data(), t.dtype, w.size(), w.data());
                const std::vector<std::byte> q = quantized ? quantizeQ8(w, t.shape[1]) : std::vector<std::byte>();
                for (size_t i = 0; i < w.size(); ++i)
                    w[i] = quantized ? float(double(int8_t(q[i])) * q8Scale(q, w.size(), i / 32))
                                     : float(decodeF16(floatToF16(w[i])));
                n.dtype = DType::F32;
                n.bytes.resize(w.size() * 4);
                std::memcpy(n.bytes.data(), w.data(), n.bytes.size());
            }
            tensors.push_back(std::move(n));
        }
        QTemporaryDir dir;
        const std::string file = dir.filePath("dequantized.safetensors").toStdString();
        writeSafetensors(file, tensors);
        const std::vector<int32_t> tokens = WorldTokenizer::load(test::worldVocabPath())->encode("Hello there, how are you?");
        const std::vector<float> want = allLogits(Checkpoint::open(file), *m_cpu, DType::F32, tokens);
        for (size_t n : {size_t(1), tokens.size()}) { // decode token by token, and prefill
            auto model = Model::load(ck, *m_cpu, DType::Q8);
            State state = model->newState();
            std::vector<float> got;
            for (size_t i = 0; i < tokens.size(); i += n) {
                const std::vector<float> part = model->forward(std::span(tokens).subspan(i, n), state, true);
                got.insert(got.end(), part.begin(), part.end());
            }
            const double error = compare(got, want, 65536).maxRelative;
            qInfo("chunks of %zu: max|Δ|/max|ref| %.2e", n, error);
            QVERIFY(n == 1 ? error < 1e-5 : error == 0);
        }
    }

    // A split mixing int8 and fp32 stages: each stage keeps its own type (placement, and
    // logits unlike both single-type runs), within the int8 bound; an int8/int8 split is
    // bit for bit the single-stage int8 model.
    void layerSplit()
    {
        const Checkpoint ck = Checkpoint::open(test::demoModelPath());
        const std::vector<int32_t> tokens = WorldTokenizer::load(test::worldVocabPath())->encode("Hello there, how are you?");
        auto run = [&](const char* strategy, std::string* placement = nullptr) {
            const StrategyDevices sd = createStrategyDevices(parseStrategy(strategy), 2);
            auto model = Model::load(ck, sd.stages);
            if (placement) *placement = model->placement();
            State state = model->newState();
            return model->forward(tokens, state, true);
        };
        std::string placement;
        const std::vector<float> mixed = run("cpu int8 *4 -> cpu fp32", &placement);
        QVERIFY2(placement.find("layers 0-3: ") != std::string::npos && placement.find(") int8; layers 4-7: ") != std::string::npos
                     && placement.ends_with(") fp32"),
                 placement.c_str());
        const std::vector<float> fp32 = run("cpu fp32"), int8 = run("cpu int8");
        QVERIFY(mixed != fp32 && mixed != int8);
        QVERIFY(compare(mixed, fp32, 65536).maxRelative <= logitsBound(ck));
        QCOMPARE(run("cpu int8 *3 -> cpu int8"), int8);
    }
};

QTEST_GUILESS_MAIN(TestInt8Model)
#include "test_int8_model.moc"
