// Weights used in place from the mapped checkpoint (core/weights.h): on the CPU, a matrix
// already in its storage type is not copied, keeps working after the Checkpoint object and
// the file's name are gone, and computes what a converted copy computes; misaligned data
// falls back to a copy.
#include "backends/cpu/gemm_amx.h"
#include "backends/registry.h"
#include "core/checkpoint.h"
#include "core/dtype.h"
#include "core/io/safetensors_writer.h"
#include "core/model.h"
#include "core/quantized_file.h"
#include "core/tokenizer/world_tokenizer.h"
#include "support/test_support.h"

#include <QScopeGuard>
#include <QTemporaryDir>
#include <QTest>

#include <filesystem>

using namespace rwkv;

namespace {

std::vector<float> allLogits(Model& model, std::span<const int32_t> tokens)
{
    State state = model.newState();
    return model.forward(tokens, state, true);
}

// Bytes of the tensors the loader stores through DeviceWeights::linear (counted here from the
// file, not from the loader): those `type` can use as they are.
size_t linearBytes(const Checkpoint& ck, DType type)
{
    size_t n = 0;
    for (const TensorView& t : ck.tensors()) {
        if (!isLinearWeight(t.name)) continue;
        if (t.dtype == type) n += t.bytes.size();
        if (t.dtype == DType::I8 && type == DType::Q8) n += t.bytes.size() + ck.at(q8ScaleName(t.name)).bytes.size();
        if (t.dtype == DType::U8 && type == DType::Q4) n += t.bytes.size() + ck.at(q4ScaleName(t.name)).bytes.size();
    }
    return n;
}

} // namespace

class TestWeightsInPlace : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<Device> m_cpu = createDevice("cpu");
    QTemporaryDir m_dir;

    std::vector<int32_t> tokens() const
    {
        return WorldTokenizer::load(test::worldVocabPath())->encode("Assistant: The river starts as rain on the hills.");
    }

private slots:
    // The demo model is bf16 (a .pth): under cpu bf16 its matrices are used in place. With the
    // Checkpoint closed and the file unlinked before the first token, the logits equal those of
    // a cpu fp32 load (bf16 → fp32 is exact and the math is fp32 either way). AMX prefill sums
    // in another order (test_cpu_amx), so it is off here.
    void bf16InPlaceOutlivesTheFile()
    {
        const bool amxWasOn = rwkv::cpu::amxEnabled();
        rwkv::cpu::setAmxEnabled(false);
        const auto restore = qScopeGuard([&] { rwkv::cpu::setAmxEnabled(amxWasOn); });
        const std::filesystem::path copy = m_dir.filePath("demo.pth").toStdString();
        std::filesystem::copy_file(test::demoModelPath(), copy);
        std::vector<float> want;
        {
            const Checkpoint ck = Checkpoint::open(copy);
            auto fp32 = Model::load(ck, *m_cpu, DType::F32);
            QCOMPARE(fp32->mappedWeightBytes(), size_t(0)); // converted: nothing in place
            want = allLogits(*fp32, tokens());
        }
        std::unique_ptr<Model> model;
        size_t expected = 0;
        {
            const Checkpoint ck = Checkpoint::open(copy);
            expected = linearBytes(ck, DType::BF16);
            model = Model::load(ck, *m_cpu, DType::BF16);
        }
        QVERIFY(expected > 0);
        QCOMPARE(model->mappedWeightBytes(), expected);
        std::filesystem::remove(copy);
        QVERIFY(allLogits(*model, tokens()) == want);
    }

    // A quantized file under cpu int8 (or q4): values and their scales follow each other in the
    // file, which is the device's planar Q8 (Q4) layout, so they are used in place too.
    void quantizedFileInPlace_data()
    {
        QTest::addColumn<int>("type");
        QTest::newRow("int8") << int(DType::Q8);
        QTest::newRow("q4") << int(DType::Q4);
    }

    void quantizedFileInPlace()
    {
        QFETCH(int, type);
        const DType t = DType(type);
        const std::string file = m_dir.filePath("demo-quantized.safetensors").toStdString();
        writeQuantizedCheckpoint(Checkpoint::open(test::demoModelPath()), file, t);
        const Checkpoint ck = Checkpoint::open(file);
        auto model = Model::load(ck, *m_cpu, t);
        QVERIFY(linearBytes(ck, t) > 0);
        QCOMPARE(model->mappedWeightBytes(), linearBytes(ck, t));
        auto fromOriginal = Model::load(Checkpoint::open(test::demoModelPath()), *m_cpu, t);
        QCOMPARE(fromOriginal->mappedWeightBytes(), size_t(0)); // quantized on load: copies
        QVERIFY(allLogits(*model, tokens()) == allLogits(*fromOriginal, tokens()));
    }

    // An fp32 copy of the demo model (the writer starts its data on a cache line), and the same
    // with eight fp16 values first, which shift every tensor 16 bytes past a line (still fp32
    // aligned, as third-party safetensors files often are): nothing of it is used in place (rows
    // across cache lines slow decode, core/weights.h), and the results are unchanged.
    void misalignedDataIsCopied()
    {
        std::vector<NamedTensor> tensors;
        const Checkpoint demo = Checkpoint::open(test::demoModelPath());
        for (const TensorView& t : demo.tensors()) {
            NamedTensor f{t.name, DType::F32, t.shape, std::vector<std::byte>(size_t(t.numel()) * 4)};
            convertToFloat(t.bytes.data(), t.dtype, size_t(t.numel()), reinterpret_cast<float*>(f.bytes.data()));
            tensors.push_back(std::move(f));
        }
        const std::string alignedFile = m_dir.filePath("fp32.safetensors").toStdString();
        writeSafetensors(alignedFile, tensors);
        tensors.insert(tensors.begin(), {"a_padding", DType::F16, {8}, std::vector<std::byte>(16)});
        const std::string shiftedFile = m_dir.filePath("shifted.safetensors").toStdString();
        writeSafetensors(shiftedFile, tensors);
        const Checkpoint aligned = Checkpoint::open(alignedFile), shifted = Checkpoint::open(shiftedFile);
        QVERIFY(uintptr_t(aligned.at("head.weight").bytes.data()) % kInPlaceAlignment == 0);
        QVERIFY(uintptr_t(shifted.at("head.weight").bytes.data()) % kInPlaceAlignment == 16);
        auto copied = Model::load(shifted, *m_cpu, DType::F32);
        QCOMPARE(copied->mappedWeightBytes(), size_t(0));
        auto inPlace = Model::load(aligned, *m_cpu, DType::F32);
        QCOMPARE(inPlace->mappedWeightBytes(), linearBytes(aligned, DType::F32));
        QVERIFY(allLogits(*copied, tokens()) == allLogits(*inPlace, tokens()));
    }
};

QTEST_GUILESS_MAIN(TestWeightsInPlace)
#include "test_weights_in_place.moc"
