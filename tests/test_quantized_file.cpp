// Quantized checkpoints (core/quantized_file.h, `rwkv-cli quantize`), int8 and q4: the file holds
// what `cpu int8` / `cpu q4` computes from the original, loads to the same logits bit for bit,
// loads under other types from its own values, and a damaged or forged one is refused naming
// the tensor.
#include "backends/registry.h"
#include "core/checkpoint.h"
#include "core/dtype.h"
#include "core/error.h"
#include "core/io/safetensors_writer.h"
#include "core/memory_estimate.h"
#include "core/model.h"
#include "core/model_config.h"
#include "core/quantized_file.h"
#include "core/tokenizer/world_tokenizer.h"
#include "support/cli_run.h"
#include "support/quantized_model.h"
#include "support/test_support.h"
#include "support/weight_decode.h"

#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>

using namespace rwkv;

namespace {

std::vector<float> logits(const Checkpoint& ck, Device& device, DType type, std::span<const int32_t> tokens, size_t chunk)
{
    auto model = Model::load(ck, device, type);
    State state = model->newState();
    std::vector<float> out;
    for (size_t i = 0; i < tokens.size(); i += chunk) {
        const std::vector<float> part = model->forward(tokens.subspan(i, std::min(chunk, tokens.size() - i)), state, true);
        out.insert(out.end(), part.begin(), part.end());
    }
    return out;
}

std::vector<NamedTensor> copyTensors(const Checkpoint& ck)
{
    std::vector<NamedTensor> out;
    for (const TensorView& t : ck.tensors()) out.push_back({t.name, t.dtype, t.shape, {t.bytes.begin(), t.bytes.end()}});
    return out;
}

NamedTensor& tensorNamed(std::vector<NamedTensor>& tensors, const std::string& name)
{
    return *std::find_if(tensors.begin(), tensors.end(), [&](const NamedTensor& t) { return t.name == name; });
}

QString cliPath() { return QString::fromStdString((test::binDir() / "rwkv-cli").string()); }

} // namespace

class TestQuantizedFile : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<Device> m_cpu = createDevice("cpu");
    QTemporaryDir m_dir;
    std::string m_quantized;   // the demo model, quantized once
    std::string m_quantizedQ4; // the same as q4

    std::vector<int32_t> sampleTokens() const
    {
        return WorldTokenizer::load(test::worldVocabPath())->encode("User: Where do rivers begin?\n\nAssistant: In the hills.");
    }

    // Writes the quantized demo model (of `type`) with one change and expects `open` (then a
    // load as that type) to refuse it with BadFile mentioning `mention`.
    void expectRefused(const std::function<void(std::vector<NamedTensor>&)>& change, const char* mention,
                       DType type = DType::Q8)
    {
        std::vector<NamedTensor> tensors = copyTensors(Checkpoint::open(type == DType::Q4 ? m_quantizedQ4 : m_quantized));
        change(tensors);
        const std::string file = m_dir.filePath("forged.safetensors").toStdString();
        writeSafetensors(file, tensors);
        try {
            const Checkpoint ck = Checkpoint::open(file);
            Model::load(ck, *m_cpu, type);
            QFAIL(qPrintable(QString("accepted; expected an error about %1").arg(mention)));
        } catch (const Error& e) {
            QCOMPARE(e.code(), ErrorCode::BadFile);
            QVERIFY2(std::string(e.what()).find(mention) != std::string::npos, e.what());
        }
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_quantized = m_dir.filePath("demo-int8.safetensors").toStdString();
        const Checkpoint ck = Checkpoint::open(test::demoModelPath());
        size_t calls = 0;
        const QuantizeReport r = writeQuantizedCheckpoint(ck, m_quantized, DType::Q8, [&](uint64_t, uint64_t) { ++calls; });
        QCOMPARE(calls, ck.tensors().size());
        QCOMPARE(r.tensors, ck.tensors().size());
        // RWKV-7: receptance, key, value, output and the two ffn matrices per layer, and the head.
        QCOMPARE(r.quantized, size_t(detectModelConfig(ck).nLayer * 6 + 1));
        QVERIFY(r.bytesOut < r.bytesIn);
        m_quantizedQ4 = m_dir.filePath("demo-q4.safetensors").toStdString();
        const QuantizeReport r4 = writeQuantizedCheckpoint(ck, m_quantizedQ4, DType::Q4);
        QCOMPARE(r4.quantized, r.quantized);
        QVERIFY(r4.bytesOut < r.bytesOut);
    }

    // A quantized file describes the same model: its parameter count (scales are not
    // parameters, a q4 byte holds two) and so the memory each precision is estimated to take
    // (rwkv-cli info, the app's precision picker, the automatic strategy) are the original's.
    void sameModelAsTheOriginal()
    {
        const ModelConfig original = detectModelConfig(Checkpoint::open(test::demoModelPath()));
        for (const std::string& file : {m_quantized, m_quantizedQ4}) {
            const ModelConfig c = detectModelConfig(Checkpoint::open(file));
            QCOMPARE(c.paramCount, original.paramCount);
            for (DType type : {DType::F32, DType::F16, DType::Q8, DType::Q4})
                QCOMPARE(estimatedWeightBytes(c, type), estimatedWeightBytes(original, type));
        }
    }

    // The stored values are the int8 format's (core/quantize.h), checked independently here:
    // per block of 32, d = fp16(max|w| / 127) and q = round(w / d).
    void storesTheInt8Format()
    {
        const Checkpoint original = Checkpoint::open(test::demoModelPath());
        const Checkpoint quantized = Checkpoint::open(m_quantized);
        for (const char* name : {"blocks.0.att.key.weight", "head.weight"}) {
            const TensorView& w = original.at(name);
            const TensorView& q = quantized.at(name);
            const TensorView& d = quantized.at(q8ScaleName(name));
            QCOMPARE(q.dtype, DType::I8);
            QCOMPARE(d.dtype, DType::F16);
            QCOMPARE(d.shape, (std::vector<int64_t>{w.shape[0], w.shape[1] / 32}));
            for (size_t b : {size_t(0), size_t(d.numel() / 2), size_t(d.numel() - 1)}) {
                float amax = 0;
                for (size_t i = b * 32; i < b * 32 + 32; ++i) amax = std::max(amax, std::fabs(w.at(i)));
                uint16_t bits;
                std::memcpy(&bits, d.bytes.data() + 2 * b, 2);
                const double scale = test::decodeF16(bits);
                QCOMPARE(scale, test::decodeF16(floatToF16(amax / 127)));
                for (size_t i = b * 32; i < b * 32 + 32; ++i)
                    QCOMPARE(int(int8_t(q.bytes[i])), int(std::lround(double(w.at(i)) / scale)));
            }
        }
        QCOMPARE(quantized.at("emb.weight").dtype, original.at("emb.weight").dtype); // not a linear weight
    }

    // cpu int8 on the file computes exactly what cpu int8 computes on the original, decode and
    // prefill; under fp32 it computes the decoded int8 values, which int8 also computes (up to
    // the sums' order and its LoRA factors in fp16, which the demo model's bf16 values fit).
    void loadsLikeTheOriginal()
    {
        const Checkpoint original = Checkpoint::open(test::demoModelPath());
        const Checkpoint quantized = Checkpoint::open(m_quantized);
        const std::vector<int32_t> tokens = sampleTokens();
        for (size_t chunk : {size_t(1), tokens.size()}) {
            const std::vector<float> want = logits(original, *m_cpu, DType::Q8, tokens, chunk);
            QVERIFY(logits(quantized, *m_cpu, DType::Q8, tokens, chunk) == want);
        }
        const std::vector<float> int8 = logits(original, *m_cpu, DType::Q8, tokens, tokens.size());
        const std::vector<float> fp32 = logits(quantized, *m_cpu, DType::F32, tokens, tokens.size());
        double maxAbs = 0, maxErr = 0;
        for (size_t i = 0; i < int8.size(); ++i) {
            maxAbs = std::max(maxAbs, double(std::fabs(int8[i])));
            maxErr = std::max(maxErr, double(std::fabs(fp32[i] - int8[i])));
        }
        qInfo("quantized file as fp32 vs original as int8: max|Δ|/max|ref| %.2e", maxErr / maxAbs);
        QVERIFY(maxErr / maxAbs < 1e-5);
    }

    void refusesForgedFiles()
    {
        const std::string key = "blocks.0.att.key.weight";
        expectRefused([&](auto& t) { std::erase_if(t, [&](const NamedTensor& n) { return n.name == q8ScaleName(key); }); },
                      "needs its scales 'blocks.0.att.key.weight.q8_scale'");
        expectRefused([&](auto& t) { tensorNamed(t, q8ScaleName(key)).dtype = DType::BF16; }, "as fp16");
        expectRefused([&](auto& t) {
            NamedTensor& s = tensorNamed(t, q8ScaleName(key));
            s.shape = {s.shape[1], s.shape[0]};
        }, "needs its scales");
        expectRefused([&](auto& t) { std::erase_if(t, [&](const NamedTensor& n) { return n.name == key; }); },
                      "scales no int8 tensor");
        expectRefused([&](auto& t) {
            NamedTensor& e = tensorNamed(t, "emb.weight");
            e.dtype = DType::I8;
            e.bytes.resize(e.bytes.size() / dtypeSize(DType::BF16) * 1);
        }, "'emb.weight' is int8 but not a linear weight");
        for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(), -1.0f}) {
            expectRefused([&](auto& t) {
                const uint16_t bits = floatToF16(bad);
                std::memcpy(tensorNamed(t, q8ScaleName("head.weight")).bytes.data() + 6, &bits, 2);
            }, "'head.weight.q8_scale' holds a scale that is not a finite non-negative number");
        }
    }

    // The q4 file holds the device's Q4 bytes (core/quantize.h): U8 [rows, cols / 2] packed
    // values and F16 [rows, cols / 32] scales. Checked independently here: each element decodes
    // (tests/support/weight_decode.h) to the 4-bit grid point of its block nearest to the
    // original value, and the block's extreme value is the grid's end, code 0.
    void storesTheQ4Format()
    {
        const Checkpoint original = Checkpoint::open(test::demoModelPath());
        const Checkpoint quantized = Checkpoint::open(m_quantizedQ4);
        for (const char* name : {"blocks.0.att.key.weight", "head.weight"}) {
            const TensorView& w = original.at(name);
            const TensorView& q = quantized.at(name);
            const TensorView& d = quantized.at(q4ScaleName(name));
            QCOMPARE(q.dtype, DType::U8);
            QCOMPARE(q.shape, (std::vector<int64_t>{w.shape[0], w.shape[1] / 2}));
            QCOMPARE(d.dtype, DType::F16);
            QCOMPARE(d.shape, (std::vector<int64_t>{w.shape[0], w.shape[1] / 32}));
            std::vector<std::byte> planar(q.bytes.begin(), q.bytes.end());
            planar.insert(planar.end(), d.bytes.begin(), d.bytes.end());
            const size_t numel = size_t(w.numel());
            for (size_t b : {size_t(0), size_t(d.numel() / 2), size_t(d.numel() - 1)}) {
                const double scale = test::q4Scale(planar, numel, b);
                size_t peak = b * 32;
                for (size_t i = b * 32; i < b * 32 + 32; ++i)
                    if (std::fabs(w.at(i)) > std::fabs(w.at(peak))) peak = i;
                QCOMPARE(test::q4Code(planar, peak), 0);
                for (size_t i = b * 32; i < b * 32 + 32; ++i) {
                    const double err = std::fabs(double(w.at(i)) - test::decodeQ4(planar, numel, i));
                    for (int c = 0; c < 16; ++c)
                        QVERIFY(err <= std::fabs(double(w.at(i)) - (c - 8) * scale) + 1e-5 * std::fabs(scale) + 1e-30);
                }
            }
        }
    }

    // cpu q4 on the q4 file computes exactly what cpu q4 computes on the original (decode and
    // prefill); cpu int8 and fp32 decode its values.
    void q4LoadsLikeTheOriginal()
    {
        const Checkpoint original = Checkpoint::open(test::demoModelPath());
        const Checkpoint quantized = Checkpoint::open(m_quantizedQ4);
        const std::vector<int32_t> tokens = sampleTokens();
        for (size_t chunk : {size_t(1), tokens.size()})
            QVERIFY(logits(quantized, *m_cpu, DType::Q4, tokens, chunk) == logits(original, *m_cpu, DType::Q4, tokens, chunk));
        // Past 32 tokens a chunk takes the exact prefill GEMM for fp32 and q4 weights alike
        // (kMaxGroupedRows, kMaxIntRows in kernels_matmul.cpp), not the decode loops.
        std::vector<int32_t> prompt;
        for (int i = 0; i < 3; ++i) prompt.insert(prompt.end(), tokens.begin(), tokens.end());
        QVERIFY(prompt.size() > 32);
        const std::vector<float> q4 = logits(original, *m_cpu, DType::Q4, prompt, prompt.size());
        const std::vector<float> fp32 = logits(quantized, *m_cpu, DType::F32, prompt, prompt.size());
        double maxAbs = 0, maxErr = 0;
        for (size_t i = 0; i < q4.size(); ++i) {
            maxAbs = std::max(maxAbs, double(std::fabs(q4[i])));
            maxErr = std::max(maxErr, double(std::fabs(fp32[i] - q4[i])));
        }
        qInfo("q4 file as fp32 vs original as q4: max|Δ|/max|ref| %.2e", maxErr / maxAbs);
        QVERIFY(maxErr / maxAbs < 1e-5);
        // int8 re-quantizes the decoded q4 values: within int8's own bound of them.
        const std::vector<float> int8 = logits(quantized, *m_cpu, DType::Q8, prompt, prompt.size());
        QVERIFY(test::compareLogits(int8, fp32, 65536).maxRelative <= test::logitsBound(original, DType::Q8));
    }

    void refusesForgedQ4Files()
    {
        const std::string key = "blocks.0.att.key.weight";
        expectRefused([&](auto& t) { std::erase_if(t, [&](const NamedTensor& n) { return n.name == q4ScaleName(key); }); },
                      "needs its scales 'blocks.0.att.key.weight.q4_scale'", DType::Q4);
        expectRefused([&](auto& t) { tensorNamed(t, q4ScaleName(key)).dtype = DType::BF16; }, "as fp16", DType::Q4);
        expectRefused([&](auto& t) {
            NamedTensor& s = tensorNamed(t, q4ScaleName(key));
            s.shape = {s.shape[1], s.shape[0]};
        }, "needs its scales", DType::Q4);
        expectRefused([&](auto& t) { // values of int8's shape: twice the scales' blocks
            NamedTensor& v = tensorNamed(t, key);
            v.shape[1] *= 2;
            v.bytes.resize(v.bytes.size() * 2);
        }, "needs its scales", DType::Q4);
        expectRefused([&](auto& t) { std::erase_if(t, [&](const NamedTensor& n) { return n.name == key; }); },
                      "scales no q4 tensor", DType::Q4);
        expectRefused([&](auto& t) {
            NamedTensor& v = tensorNamed(t, key);
            v.dtype = DType::BF16;
            v.bytes.resize(v.bytes.size() * 2);
        }, "scales no q4 tensor", DType::Q4);
        expectRefused([&](auto& t) {
            NamedTensor& e = tensorNamed(t, "emb.weight");
            e.dtype = DType::U8;
            e.bytes.resize(e.bytes.size() / dtypeSize(DType::BF16));
        }, "'emb.weight' is q4 (u8) but not a linear weight", DType::Q4);
        expectRefused([&](auto& t) { // a row of 8 bytes: half a 32-value block
            NamedTensor& v = tensorNamed(t, key);
            v.shape = {v.shape[0] * v.shape[1] / 8, 8};
        }, "rows of whole 32-value blocks", DType::Q4);
        for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
            expectRefused([&](auto& t) {
                const uint16_t bits = floatToF16(bad);
                std::memcpy(tensorNamed(t, q4ScaleName("head.weight")).bytes.data() + 6, &bits, 2);
            }, "'head.weight.q4_scale' holds a scale that is not a finite number", DType::Q4);
        }
    }

    void refusesToQuantizeTwice()
    {
        for (const std::string& file : {m_quantized, m_quantizedQ4}) {
            try {
                writeQuantizedCheckpoint(Checkpoint::open(file), m_dir.filePath("twice.safetensors").toStdString(), DType::Q4);
                QFAIL("quantized a quantized file");
            } catch (const Error& e) {
                QCOMPARE(e.code(), ErrorCode::InvalidArgument);
                QVERIFY2(std::string(e.what()).find("already quantized") != std::string::npos, e.what());
            }
        }
        QVERIFY(!QFile::exists(m_dir.filePath("twice.safetensors")));
    }

    // As a user runs it: quantize, then generate from the file under cpu int8 the same text as
    // from the original; the wrong type and an in-place write are refused.
    void cli()
    {
        const QString out = m_dir.filePath("cli-int8.safetensors");
        const QString demo = QString::fromStdString(test::demoModelPath().string());
        const test::CliRun q = test::runCli(cliPath(), {"quantize", demo, out});
        QVERIFY2(q.exitCode == 0, q.err.constData());
        const int quantized = detectModelConfig(Checkpoint::open(test::demoModelPath())).nLayer * 6 + 1;
        QVERIFY2(q.out.contains(QByteArray::number(quantized) + " of ") && q.out.contains("tensors as int8"), q.out.constData());
        const QStringList gen{"--strategy", "cpu int8", "--max-tokens", "12", "--temperature", "0", "--prompt",
                              "User: Hello!\n\nAssistant:"};
        const test::CliRun a = test::runCli(cliPath(), QStringList{"generate", "--model", demo} + gen);
        const test::CliRun b = test::runCli(cliPath(), QStringList{"generate", "--model", out} + gen);
        QVERIFY2(a.exitCode == 0 && b.exitCode == 0, (a.err + b.err).constData());
        QVERIFY(!a.out.isEmpty());
        QCOMPARE(b.out, a.out);
        const QString out4 = m_dir.filePath("cli-q4.safetensors");
        const test::CliRun q4 = test::runCli(cliPath(), {"quantize", demo, out4, "--type", "q4"});
        QVERIFY2(q4.exitCode == 0 && q4.out.contains("tensors as q4"), (q4.out + q4.err).constData());
        QStringList gen4 = gen;
        gen4[1] = "cpu q4";
        const test::CliRun c4 = test::runCli(cliPath(), QStringList{"generate", "--model", demo} + gen4);
        const test::CliRun d4 = test::runCli(cliPath(), QStringList{"generate", "--model", out4} + gen4);
        QVERIFY2(c4.exitCode == 0 && d4.exitCode == 0, (c4.err + d4.err).constData());
        QCOMPARE(d4.out, c4.out);
        test::verifyCleanError(test::runCli(cliPath(), {"quantize", demo, m_dir.filePath("q5"), "--type", "q5"}), 2,
                               "--type must be int8 or q4");
        test::verifyCleanError(test::runCli(cliPath(), {"quantize", out, out}), 2, "the same file");
    }
};

QTEST_GUILESS_MAIN(TestQuantizedFile)
#include "test_quantized_file.moc"
