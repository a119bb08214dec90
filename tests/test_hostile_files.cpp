// Hostile checkpoints: tensor layouts whose sizes overflow or outgrow their storage, shapes that
// hide huge dimensions, and layer indices or widths that would overflow config detection. Each
// must end in rwkv::Error(BadFile) with a clear message before anything large is allocated
// (an AllocationCap refuses any single allocation above 64 MiB), in-process and via rwkv-cli.
#include "core/checkpoint.h"
#include "core/error.h"
#include "core/model_config.h"
#include "core/random_model.h"
#include "support/allocation_cap.h"
#include "support/cli_run.h"
#include "support/pth_builder.h"
#include "support/test_support.h"

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <functional>

using namespace rwkv;
using namespace rwkv::test::pth;

namespace {

constexpr size_t kCap = size_t(64) << 20;
constexpr int64_t k2p15 = int64_t(1) << 15;
constexpr int64_t k2p31 = int64_t(1) << 31;
constexpr int64_t k2p62 = int64_t(1) << 62;

std::filesystem::path writeFile(const QTemporaryDir& dir, const std::string& name, const std::string& bytes)
{
    const std::filesystem::path path = std::filesystem::path(dir.path().toStdString()) / name;
    std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
    return path;
}

// A .pth holding the one tensor `t` over a storage "0" of four floats.
std::string onePth(const FakeTensor& t)
{
    return pthArchive(stateDictPickle({t}), {{"0", floats({1, 2, 3, 4})}});
}

std::string safetensorsFile(const std::string& header, const std::string& data = {})
{
    std::string out;
    test::detail::put(out, header.size(), 8);
    return out + header + data;
}

// Runs `f`, which must throw Error(BadFile) naming `file` first and mentioning `message`, under
// the allocation cap.
void expectRefused(const char* tag, const std::string& file, const std::string& message, const std::function<void()>& f)
{
    test::AllocationCap cap(kCap);
    try {
        f();
        QFAIL(qPrintable(QString("%1: accepted").arg(tag)));
    } catch (const Error& e) {
        const std::string what = e.what();
        QVERIFY2(e.code() == ErrorCode::BadFile, qPrintable(QString("%1: %2").arg(tag, e.what())));
        QVERIFY2(what.starts_with(file + ": "), qPrintable(QString("%1: %2").arg(tag, e.what())));
        QVERIFY2(what.find(message) != std::string::npos, qPrintable(QString("%1: %2").arg(tag, e.what())));
    } catch (const std::bad_alloc&) {
        QFAIL(qPrintable(QString("%1: tried to allocate more than 64 MiB").arg(tag)));
    }
    QVERIFY2(cap.refused() == 0, tag);
}

// A valid one-layer RWKV-7 model, small enough to rewrite per case.
std::vector<NamedTensor> tinyModel()
{
    return makeRandomModel({.generation = Generation::X070, .layers = 1, .width = 64, .vocab = 16, .headSize = 64});
}

NamedTensor& tensorNamed(std::vector<NamedTensor>& tensors, const std::string& name)
{
    for (NamedTensor& t : tensors)
        if (t.name == name) return t;
    qFatal("no tensor %s", name.c_str());
}

} // namespace

class TestHostileFiles : public QObject {
    Q_OBJECT

private slots:
    void rejectsHostileTensorLayouts_data();
    void rejectsHostileTensorLayouts();
    void rejectsHostileModelShapes();
    void cliReportsHostileFiles();

private:
    QTemporaryDir m_dir;
};

void TestHostileFiles::rejectsHostileTensorLayouts_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("message");
    auto row = [](const char* tag, const std::string& bytes, const char* message) {
        QTest::newRow(tag) << QByteArray(bytes.data(), qsizetype(bytes.size())) << QString(message);
    };
    // Stride 0 keeps the highest index at 0, inside any storage; the element count is what is huge.
    row("stride 0, [2^31, 2^31] (bytes wrap to 0)", onePth({"w", "0", 4, 0, {k2p31, k2p31}, {0, 0}}),
        "tensor 'w' has 4611686018427387904 elements, more than its storage '0' (4 elements) holds");
    row("stride 0, [2^15, 2^15] (4 GiB)", onePth({"w", "0", 4, 0, {k2p15, k2p15}, {0, 0}}),
        "tensor 'w' has 1073741824 elements, more than its storage");
    row("stride 0 on one axis", onePth({"w", "0", 4, 0, {4, 2}, {0, 1}}), "has 8 elements, more than its storage");
    row("huge storage offset", onePth({"w", "0", 4, k2p62, {1}, {1}}), "tensor 'w' starts past the end of its storage");
    row("empty tensor past its storage", onePth({"w", "0", 4, 5, {0}, {1}}), "starts past the end of its storage");
    row("offset + extent past storage", onePth({"w", "0", 4, 3, {2}, {1}}), "tensor 'w' runs past its storage '0'");
    row("huge stride", onePth({"w", "0", 4, 0, {2, 2}, {k2p62, 1}}), "runs past its storage");
    row("stride overflows", onePth({"w", "0", 4, 0, {3}, {INT64_MAX}}), "runs past its storage");
    row("negative stride", onePth({"w", "0", 4, 3, {2}, {-1}}), "negative value in tensor stride");
    row("negative shape", onePth({"w", "0", 4, 0, {-2}, {1}}), "negative value in tensor size");
    row("negative offset", onePth({"w", "0", 4, -1, {1}, {1}}), "negative storage offset");
    row("storage bytes overflow", onePth({"w", "0", k2p62, 0, {1}, {1}}), "runs past the archive entry");
    row("dims multiply past 2^64", onePth({"w", "0", 4, 0, {k2p31, k2p31, 16}, {0, 0, 0}}),
        "shape whose element count overflows");
    row("zero dim hides huge dims", onePth({"w", "0", 4, 0, {0, k2p62, k2p62}, {1, 1, 1}}),
        "shape whose element count overflows");

    // Many transposed views of one storage: each fits, together they outgrow the file.
    std::vector<FakeTensor> views;
    for (int i = 0; i < 64; ++i) views.push_back({std::string("t").append(std::to_string(i)), "0", 1024, 0, {32, 32}, {1, 32}});
    row("copies outgrow the file", pthArchive(stateDictPickle(views), {{"0", std::string(4096, '\0')}}),
        "strided tensors need more memory than the file holds");

    row("safetensors zero dim hides huge dims",
        safetensorsFile(R"({"a":{"dtype":"F32","shape":[0,4611686018427387904,4611686018427387904],"data_offsets":[0,0]}})"),
        "tensor 'a' has a shape whose element count overflows");
    row("safetensors dims multiply past 2^64",
        safetensorsFile(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,0]}})"),
        "tensor 'a' has a shape whose element count overflows");
    row("safetensors bytes overflow",
        safetensorsFile(R"({"a":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,0]}})"),
        "tensor 'a' has a shape whose element count overflows");
    // q4 files (core/quantized_file.h): packed U8 values whose element count overflows, values
    // whose scales have the wrong shape, and U8 bytes posing as a tensor that is no linear weight.
    row("safetensors q4 values overflow",
        safetensorsFile(R"({"head.weight":{"dtype":"U8","shape":[4611686018427387904,8],"data_offsets":[0,0]}})"),
        "tensor 'head.weight' has a shape whose element count overflows");
    row("safetensors q4 scales of the wrong shape",
        safetensorsFile(R"({"head.weight":{"dtype":"U8","shape":[2,16],"data_offsets":[0,32]},)"
                        R"("head.weight.q4_scale":{"dtype":"F16","shape":[2,2],"data_offsets":[32,40]}})",
                        std::string(40, '\0')),
        "'head.weight' needs its scales 'head.weight.q4_scale' as fp16 [2, 1]");
    row("safetensors u8 that is not a linear weight",
        safetensorsFile(R"({"emb.weight":{"dtype":"U8","shape":[2,16],"data_offsets":[0,32]}})", std::string(32, '\0')),
        "'emb.weight' is q4 (u8) but not a linear weight");
    std::string dims = "[1";
    for (int i = 0; i < 64; ++i) dims += ",1";
    row("safetensors 65 dims", safetensorsFile(R"({"a":{"dtype":"F32","shape":)" + dims + R"(],"data_offsets":[0,4]}})",
                                               floats({1})),
        "tensor 'a' has too many dimensions");
}

void TestHostileFiles::rejectsHostileTensorLayouts()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, message);
    const auto path = writeFile(m_dir, "hostile.pth", bytes.toStdString());
    expectRefused(QTest::currentDataTag(), "hostile.pth", message.toStdString(), [&] { Checkpoint::open(path); });
}

void TestHostileFiles::rejectsHostileModelShapes()
{
    // The unmodified model is accepted, so each refusal below is for its one change.
    const auto valid = std::filesystem::path(m_dir.path().toStdString()) / "valid.safetensors";
    writeSafetensors(valid, tinyModel());
    QCOMPARE(detectModelConfig(Checkpoint::open(valid)).nLayer, 1);

    struct Case {
        const char* tag;
        std::function<void(std::vector<NamedTensor>&)> change;
        const char* message;
    };
    auto extraLayer = [](const std::string& index) {
        return [index](std::vector<NamedTensor>& t) {
            t.push_back({"blocks." + index + ".att.x_r", DType::F32, {1}, std::vector<std::byte>(4)});
        };
    };
    const Case cases[] = {
        {"layer index 2^31 - 1 (INT_MIN layers)", extraLayer("2147483647"), "has layer index 2147483647; at most 4096"},
        {"layer index past uint64", extraLayer("99999999999999999999"), "has layer index 99999999999999999999"},
        {"layer index 4096", extraLayer("4096"), "has layer index 4096"},
        {"layer index beyond the tensors", extraLayer("1000"), "has layer index 1000"},
        {"vocab 0", [](auto& t) { tensorNamed(t, "emb.weight").shape = {0, 64}; tensorNamed(t, "emb.weight").bytes = {}; },
         "emb.weight has shape [0, 64]; dimension 0 is outside 1..1048576"},
        {"width past the limit",
         [](auto& t) {
             tensorNamed(t, "emb.weight").shape = {1, (int64_t(1) << 20) + 1};
             tensorNamed(t, "emb.weight").bytes.assign(((size_t(1) << 20) + 1) * 2, std::byte{0});
         },
         "dimension 1 is outside 1..1048576"},
        {"rank tensor with one dimension",
         [](auto& t) {
             NamedTensor& w1 = tensorNamed(t, "blocks.0.att.w1");
             w1.shape = {w1.shape[0] * w1.shape[1]};
         },
         "blocks.0.att.w1 has shape"},
    };
    for (const Case& c : cases) {
        std::vector<NamedTensor> tensors = tinyModel();
        c.change(tensors);
        const auto path = std::filesystem::path(m_dir.path().toStdString()) / "shape.safetensors";
        writeSafetensors(path, tensors);
        expectRefused(c.tag, "shape.safetensors", c.message, [&] { detectModelConfig(Checkpoint::open(path)); });
    }
}

void TestHostileFiles::cliReportsHostileFiles()
{
    // Before the fix: a SIGSEGV, 4 GiB allocated and filled, and a std::length_error's text.
    const QString cli = QString::fromStdString((test::binDir() / "rwkv-cli").string());
    std::vector<NamedTensor> layers = tinyModel();
    layers.push_back({"blocks.2147483647.att.x_r", DType::F32, {1}, std::vector<std::byte>(4)});
    const auto intMin = std::filesystem::path(m_dir.path().toStdString()) / "int-min.safetensors";
    writeSafetensors(intMin, layers);
    const std::pair<std::filesystem::path, const char*> cases[] = {
        {writeFile(m_dir, "wrap.pth", onePth({"w", "0", 4, 0, {k2p31, k2p31}, {0, 0}})), "more than its storage"},
        {writeFile(m_dir, "4gib.pth", onePth({"w", "0", 4, 0, {k2p15, k2p15}, {0, 0}})), "more than its storage"},
        {intMin, "has layer index 2147483647"},
    };
    // 1 GiB of writable memory: far above what refusing these needs, far below the attack.
    constexpr unsigned long long kMemory = 1ull << 30;
    for (const auto& [path, mention] : cases) {
        const auto r = test::runCliWithMemoryCap(cli, {"info", "--model", QString::fromStdString(path.string())}, kMemory);
        test::verifyCleanError(r, 1, mention);
    }
    // A state-tuning file goes through the same loader.
    const auto r = test::runCliWithMemoryCap(cli, {"generate", "--model", QString::fromStdString(test::demoModelPath().string()),
                                                   "--state", QString::fromStdString(cases[0].first.string()),
                                                   "--tokens", "1", "--max-tokens", "1"},
                                             kMemory);
    test::verifyCleanError(r, 1, "more than its storage");
}

QTEST_GUILESS_MAIN(TestHostileFiles)
#include "test_hostile_files.moc"
