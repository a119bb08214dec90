// Checkpoint loading: .pth (zip + restricted pickle) and safetensors, real files and
// crafted hostile ones, ZIP64, strided and shared storages, the safetensors writer.
#include "core/checkpoint.h"
#include "core/error.h"
#include "core/io/pickle_reader.h"
#include "core/io/safetensors_writer.h"
#include "core/io/zip_reader.h"
#include "support/test_support.h"
#include "support/pth_builder.h"
#include "support/zip_builder.h"

#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <bit>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

using namespace rwkv;
using rwkv::test::ZipBuildEntry;
using rwkv::test::ZipBuildOptions;
using namespace rwkv::test::pth;

namespace {

std::filesystem::path referencePath(const char* ext)
{
    return rwkv::test::dataDir() / "reference" / (std::string("x070_c128_l2_v1000") + ext);
}

std::string readAll(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::span<const std::byte> asBytes(const std::string& s)
{
    return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

std::filesystem::path writeFile(const QTemporaryDir& dir, const std::string& name, const std::string& bytes)
{
    const std::filesystem::path path = std::filesystem::path(dir.path().toStdString()) / name;
    std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
    return path;
}

std::vector<float> valuesOf(const TensorView& t)
{
    std::vector<float> out;
    for (int64_t i = 0; i < t.numel(); ++i) out.push_back(t.at(size_t(i)));
    return out;
}

} // namespace

class TestCheckpoint : public QObject {
    Q_OBJECT

private slots:
    void loadsReferencePthAndSafetensors();
    void loadsDemoModel();
    void reportsIoErrors();
    void rejectsBadFiles_data();
    void rejectsBadFiles();
    void reportsUnsupportedContent_data();
    void reportsUnsupportedContent();
    void materialisesStridedTensor();
    void sharesStorages();
    void acceptsTorchPickleVariants();
    void readsZip64();
    void survivesDamagedInput();
    void safetensorsRoundTrip();
    void safetensorsWriterErrors();

private:
    QTemporaryDir m_dir;
};

void TestCheckpoint::loadsReferencePthAndSafetensors()
{
    const auto expected = nlohmann::json::parse(readAll(referencePath(".json")))["checkpoint_keys"];
    std::vector<std::pair<uint64_t, uint64_t>> calls;
    const Checkpoint pth = Checkpoint::open(referencePath(".pth"), [&](uint64_t done, uint64_t total) {
        calls.emplace_back(done, total);
    });
    const Checkpoint st = Checkpoint::open(referencePath(".safetensors"));

    for (const Checkpoint* c : {&pth, &st}) {
        QCOMPARE(c->tensors().size(), expected.size());
        for (size_t i = 0; i < expected.size(); ++i) {
            const TensorView& t = c->tensors()[i];
            QCOMPARE(t.name, expected[i][0].get<std::string>());
            QCOMPARE(t.shape, expected[i][1].get<std::vector<int64_t>>());
            QCOMPARE(t.dtype, DType::BF16);
            QCOMPARE(t.bytes.size(), size_t(t.numel()) * 2);
            QCOMPARE(c->find(t.name), &t);
        }
    }
    for (size_t i = 0; i < expected.size(); ++i) {
        const auto& a = pth.tensors()[i].bytes;
        const auto& b = st.tensors()[i].bytes;
        QVERIFY2(std::equal(a.begin(), a.end(), b.begin(), b.end()), pth.tensors()[i].name.c_str());
    }
    QCOMPARE(pth.fingerprint(), st.fingerprint());
    QCOMPARE(fingerprintHex(pth.fingerprint()).size(), size_t(32));
    QCOMPARE(&pth.fingerprint(), &pth.fingerprint());

    const uint64_t size = std::filesystem::file_size(referencePath(".pth"));
    QVERIFY(calls.size() >= 2 + expected.size());
    QCOMPARE(calls.front(), std::make_pair(uint64_t(0), size));
    QCOMPARE(calls.back(), std::make_pair(size, size));
    for (size_t i = 1; i < calls.size(); ++i) QVERIFY(calls[i].first >= calls[i - 1].first);
}

void TestCheckpoint::loadsDemoModel()
{
    const auto path = rwkv::test::dataDir() / "../../resources/models/rwkv7-demo-18.7m-20261123.pth";
    const Checkpoint c = Checkpoint::open(path);
    QCOMPARE(c.tensors().size(), size_t(270));
    QVERIFY(c.find("emb.weight") != nullptr);
    QCOMPARE(c.at("emb.weight").shape.size(), size_t(2));
    QVERIFY(c.find("no.such.tensor") == nullptr);
    try {
        c.at("no.such.tensor");
        QFAIL("at() accepted a missing name");
    } catch (const Error& e) {
        QCOMPARE(e.code(), ErrorCode::BadFile);
        QVERIFY(std::string(e.what()).find("missing tensor 'no.such.tensor'") != std::string::npos);
    }
}

void TestCheckpoint::reportsIoErrors()
{
    try {
        Checkpoint::open("/nonexistent-folder/model.pth");
        QFAIL("a missing file was opened");
    } catch (const Error& e) {
        QCOMPARE(e.code(), ErrorCode::Io);
        QVERIFY2(std::string(e.what()).find("/nonexistent-folder/model.pth") != std::string::npos, e.what());
    }
    try {
        Checkpoint::open(m_dir.path().toStdString());
        QFAIL("a folder was opened");
    } catch (const Error& e) {
        QCOMPARE(e.code(), ErrorCode::Io);
    }
}

void TestCheckpoint::rejectsBadFiles_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("message");
    auto row = [](const char* tag, const std::string& bytes, const char* message) {
        QTest::newRow(tag) << QByteArray(bytes.data(), qsizetype(bytes.size())) << QString(message);
    };
    const std::string realPth = readAll(referencePath(".pth"));
    const std::string realSt = readAll(referencePath(".safetensors"));
    const FakeTensor ok{"w", "0", 4, 0, {2, 2}, {2, 1}};
    const auto okStorage = std::vector<std::pair<std::string, std::string>>{{"0", floats({1, 2, 3, 4})}};

    row("random text", "hello, this is not a model at all\n", "not a PyTorch .pth (zip) or safetensors file");
    row("empty", "", "empty");
    row("truncated zip", realPth.substr(0, realPth.size() / 2), "end of central directory not found");
    row("zip without data.pkl", rwkv::test::buildZip({{"archive/version", "3"}}), "no data.pkl");

    PickleWriter osSystem;
    osSystem.proto().global("os", "system").str("echo pwned").op(0x85).reduce().stop();
    row("os.system", pthArchive(osSystem.bytes(), {}), "refused pickle global 'os.system'");
    PickleWriter eval;
    eval.proto().global("builtins", "eval").str("print(1)").op(0x85).reduce().stop();
    row("builtins.eval", pthArchive(eval.bytes(), {}), "refused pickle global 'builtins.eval'");
    PickleWriter posix;
    posix.proto().global("posix", "system").str("id").op(0x85).reduce().stop();
    row("posix.system", pthArchive(posix.bytes(), {}), "refused pickle global 'posix.system'");
    PickleWriter newobj;
    newobj.proto().global("collections", "OrderedDict").emptyTuple().op(0x81).stop();
    row("NEWOBJ opcode", pthArchive(newobj.bytes(), {}), "unsupported pickle opcode NEWOBJ (0x81)");
    PickleWriter stackGlobal;
    stackGlobal.proto().str("os").str("system").op(0x93).stop();
    row("STACK_GLOBAL opcode", pthArchive(stackGlobal.bytes(), {}), "unsupported pickle opcode STACK_GLOBAL");
    PickleWriter inst;
    inst.proto().mark().op('i');
    row("INST opcode", pthArchive(inst.bytes() + "os\nsystem\n.", {}), "unsupported pickle opcode INST");
    PickleWriter unknown;
    unknown.proto().op(0xfe).stop();
    row("unknown opcode", pthArchive(unknown.bytes(), {}), "unsupported pickle opcode unknown (0xfe)");
    PickleWriter storageCall;
    storageCall.proto().global("torch", "FloatStorage").emptyTuple().reduce().stop();
    row("storage class called", pthArchive(storageCall.bytes(), {}), "refused pickle call");
    PickleWriter underflow;
    underflow.proto().op(0x86).stop();
    row("stack underflow", pthArchive(underflow.bytes(), {}), "stack underflow");
    PickleWriter memo;
    memo.proto().op('h').le(7, 1).stop();
    row("undefined memo", pthArchive(memo.bytes(), {}), "memo index 7 is not defined");
    const std::string full = stateDictPickle({ok});
    row("pickle without STOP", pthArchive(full.substr(0, full.size() - 1), okStorage), "pickle is truncated");
    PickleWriter notDict;
    notDict.proto().integer(5).stop();
    row("pickle not a dict", pthArchive(notDict.bytes(), {}), "does not hold a state dict");

    row("storage past entry", pthArchive(stateDictPickle({{"w", "0", 100, 0, {2, 2}, {2, 1}}}), okStorage),
        "tensor 'w': its storage '0' of 100 elements runs past the archive entry");
    row("offset past storage", pthArchive(stateDictPickle({{"w", "0", 4, 3, {2}, {1}}}), okStorage),
        "tensor 'w' runs past its storage '0'");
    row("stride past storage", pthArchive(stateDictPickle({{"w", "0", 4, 0, {2, 2}, {3, 1}}}), okStorage),
        "tensor 'w' runs past its storage '0'");
    row("huge shape", pthArchive(stateDictPickle({{"w", "0", 4, 0, {int64_t(1) << 40, int64_t(1) << 40}, {1, 1}}}),
                                 okStorage),
        "tensor 'w' has a shape whose element count overflows");
    row("missing storage", pthArchive(stateDictPickle({ok}), {}), "storage '0' is missing from the archive");
    row("duplicate name", pthArchive(stateDictPickle({ok, ok}), okStorage), "duplicate tensor name 'w'");
    row("compressed entry",
        rwkv::test::buildZip({{"a/data.pkl", stateDictPickle({ok}), 8}, {"a/data/0", floats({1, 2, 3, 4})}}),
        "is compressed (method 8)");
    row("legacy torch.save", "\x80\x02\x8a\x0alegacy-pickle-magic", "legacy torch.save format");

    row("truncated safetensors header", realSt.substr(0, 100), "runs past the end of the file");
    std::string header = R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})";
    std::string shortSt;
    test::detail::put(shortSt, header.size(), 8);
    row("safetensors data past file", shortSt + header + floats({1, 2}), "run past the end of the data");
    header = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
             R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})";
    std::string overlapping;
    test::detail::put(overlapping, header.size(), 8);
    row("safetensors overlap", overlapping + header + floats({1, 2, 3}), "overlap");
    header = R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})";
    std::string wrongSize;
    test::detail::put(wrongSize, header.size(), 8);
    row("safetensors size mismatch", wrongSize + header + floats({1, 2}), "but its shape needs 12");
    header = R"({"a":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]})";
    std::string deep;
    test::detail::put(deep, header.size(), 8);
    row("safetensors deep json", deep + header, "nested too deeply");
    header = R"({"a":{"dtype":"F32","shape":[2],)";
    std::string badJson;
    test::detail::put(badJson, header.size(), 8);
    row("safetensors bad json", badJson + header, "not a valid JSON object");
}

void TestCheckpoint::rejectsBadFiles()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, message);
    const auto path = writeFile(m_dir, "model.pth", bytes.toStdString());
    try {
        Checkpoint::open(path);
        QFAIL("the file was accepted");
    } catch (const Error& e) {
        QVERIFY2(e.code() == ErrorCode::BadFile, e.what());
        QVERIFY2(std::string(e.what()).find(message.toStdString()) != std::string::npos, e.what());
        QVERIFY2(std::string(e.what()).starts_with("model.pth: "), e.what());
    }
}

void TestCheckpoint::reportsUnsupportedContent_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("message");
    auto row = [](const char* tag, const std::string& bytes, const char* message) {
        QTest::newRow(tag) << QByteArray(bytes.data(), qsizetype(bytes.size())) << QString(message);
    };
    const FakeTensor ok{"w", "0", 4, 0, {2, 2}, {2, 1}};
    FakeTensor longTensor = ok;
    longTensor.storageClass = "LongStorage";
    row("big endian", pthArchive(stateDictPickle({ok}), {{"0", floats({1, 2, 3, 4})}}, {}, "big"), "big-endian");
    row("int64 storage", pthArchive(stateDictPickle({longTensor}), {{"0", std::string(32, '\0')}}),
        "storage type 'torch.LongStorage' is not supported");
    const std::string header = R"({"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}})";
    std::string st;
    test::detail::put(st, header.size(), 8);
    row("safetensors int64", st + header + std::string(8, '\0'), "dtype 'I64'");
}

void TestCheckpoint::reportsUnsupportedContent()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, message);
    const auto path = writeFile(m_dir, "model.pth", bytes.toStdString());
    try {
        Checkpoint::open(path);
        QFAIL("the file was accepted");
    } catch (const Error& e) {
        QVERIFY2(e.code() == ErrorCode::Unsupported, e.what());
        QVERIFY2(std::string(e.what()).find(message.toStdString()) != std::string::npos, e.what());
    }
}

void TestCheckpoint::materialisesStridedTensor()
{
    // Storage [1 2 3 4] seen with stride (1, 2) is the transpose [[1 3] [2 4]].
    const auto bytes = pthArchive(stateDictPickle({{"t", "0", 4, 0, {2, 2}, {1, 2}},
                                                   {"t3", "1", 24, 1, {2, 3}, {1, 4}}}),
                                  {{"0", floats({1, 2, 3, 4})},
                                   {"1", floats({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
                                                 20, 21, 22, 23})}});
    const auto path = writeFile(m_dir, "strided.pth", bytes);
    const Checkpoint c = Checkpoint::open(path);
    QCOMPARE(valuesOf(c.at("t")), (std::vector<float>{1, 3, 2, 4}));
    QCOMPARE(valuesOf(c.at("t3")), (std::vector<float>{1, 5, 9, 2, 6, 10}));
    QCOMPARE(c.at("t").bytes.size(), size_t(16));
    QCOMPARE(c.at("t3").bytes.size(), size_t(24));
}

void TestCheckpoint::sharesStorages()
{
    const auto bytes = pthArchive(stateDictPickle({{"a", "0", 6, 0, {2}, {1}},
                                                   {"b", "0", 6, 2, {2, 2}, {2, 1}},
                                                   {"scalar", "0", 6, 5, {}, {}},
                                                   {"empty", "0", 6, 6, {0}, {1}}}),
                                  {{"0", floats({1, 2, 3, 4, 5, 6})}});
    const Checkpoint c = Checkpoint::open(writeFile(m_dir, "shared.pth", bytes));
    QCOMPARE(valuesOf(c.at("a")), (std::vector<float>{1, 2}));
    QCOMPARE(valuesOf(c.at("b")), (std::vector<float>{3, 4, 5, 6}));
    QCOMPARE(valuesOf(c.at("scalar")), (std::vector<float>{6}));
    QCOMPARE(c.at("empty").bytes.size(), size_t(0));
    // Contiguous tensors are views into the one storage, not copies.
    QCOMPARE(c.at("b").bytes.data(), c.at("a").bytes.data() + 8);
    QCOMPARE(c.at("scalar").bytes.data(), c.at("a").bytes.data() + 20);
}

void TestCheckpoint::acceptsTorchPickleVariants()
{
    // nn.Parameter wrapping, BUILD with _metadata, memo via MEMOIZE/BINGET, FRAME,
    // SHORT_BINUNICODE, BINFLOAT, LONG1, lists and a plain dict root.
    PickleWriter w;
    w.proto().op(0x95).le(0, 8).op('}').op(0x94).mark();
    w.shortStr("p").global("torch._utils", "_rebuild_parameter").mark();
    writeTensor(w, {"", "7", 2, 0, {2}, {1}, "HalfStorage"});
    w.op(0x88).global("collections", "OrderedDict").emptyTuple().reduce().tuple().reduce();
    w.str("q");
    w.global("torch._utils", "_rebuild_tensor_v2").mark();
    w.mark().str("storage").global("torch", "BFloat16Storage").str("8").str("cuda:0").op(0x8a).le(1, 1).le(3, 1);
    w.tuple().op('Q').integer(1).dims({2}).dims({1}).op(0x89).op(']').op(0x94).mark().op('G').le(0, 8).op('N');
    w.op('e').integer(0).tuple().reduce();
    w.op('u');
    w.op('}').op('b'); // BUILD with a state on the dict, as OrderedDict._metadata
    w.stop();
    const auto tensors = readTorchStateDict(asBytes(w.bytes()), "variants.pth");
    QCOMPARE(tensors.size(), size_t(2));
    QCOMPARE(tensors[0].name, std::string("p"));
    QCOMPARE(tensors[0].dtype, DType::F16);
    QCOMPARE(tensors[0].storageKey, std::string("7"));
    QCOMPARE(tensors[1].name, std::string("q"));
    QCOMPARE(tensors[1].dtype, DType::BF16);
    QCOMPARE(tensors[1].storageNumel, uint64_t(3));
    QCOMPARE(tensors[1].storageOffset, uint64_t(1));
    QCOMPARE(tensors[1].shape, (std::vector<int64_t>{2}));
}

void TestCheckpoint::readsZip64()
{
    // Re-pack the reference checkpoint with ZIP64 records and 64-byte data alignment; the
    // central directory's extra fields then differ in length from the local ones.
    const std::string original = readAll(referencePath(".pth"));
    const ZipReader zip(asBytes(original), "x");
    std::vector<ZipBuildEntry> entries;
    for (const ZipEntry& e : zip.entries()) {
        const auto data = zip.contents(e);
        entries.push_back({e.name, std::string(reinterpret_cast<const char*>(data.data()), data.size())});
    }
    const auto repacked = rwkv::test::buildZip(entries, {.zip64 = true, .align = 64});
    const ZipReader zip64(asBytes(repacked), "y");
    QCOMPARE(zip64.entries().size(), zip.entries().size());
    for (const ZipEntry& e : zip64.entries()) QCOMPARE(e.dataOffset % 64, uint64_t(0));

    const Checkpoint a = Checkpoint::open(referencePath(".pth"));
    const Checkpoint b = Checkpoint::open(writeFile(m_dir, "zip64.pth", repacked));
    QCOMPARE(b.tensors().size(), a.tensors().size());
    QCOMPARE(b.fingerprint(), a.fingerprint());
}

void TestCheckpoint::survivesDamagedInput()
{
    // Truncations and random byte changes must end in a result or an rwkv::Error, never a
    // crash; run under ASan/UBSan this also proves no out-of-bounds read.
    const std::string original = readAll(referencePath(".pth"));
    const ZipReader zip(asBytes(original), "x");
    const auto pklSpan = zip.contents(zip.entries().front());
    const std::string pickle(reinterpret_cast<const char*>(pklSpan.data()), pklSpan.size());
    std::mt19937 rng(1234);
    int errors = 0;
    for (int i = 0; i < 3000; ++i) {
        std::string damaged = pickle;
        if (i % 3 == 0) {
            damaged.resize(rng() % damaged.size());
        } else {
            for (int k = 0, n = 1 + int(rng() % 4); k < n; ++k) damaged[rng() % damaged.size()] = char(rng());
        }
        try {
            readTorchStateDict(asBytes(damaged), "fuzz.pth");
        } catch (const Error&) {
            ++errors;
        }
    }
    QVERIFY(errors > 0);

    // Zip structure: damage the tail (central directory, EOCD) and the head (local headers).
    const std::string small = pthArchive(stateDictPickle({{"w", "0", 4, 0, {2, 2}, {2, 1}}}),
                                         {{"0", floats({1, 2, 3, 4})}}, {.zip64 = true});
    for (size_t cut = 0; cut < small.size(); ++cut) {
        try {
            ZipReader(asBytes(small.substr(0, cut)), "cut");
        } catch (const Error& e) {
            QCOMPARE(e.code(), ErrorCode::BadFile);
        }
    }
    for (int i = 0; i < 400; ++i) {
        std::string damaged = small;
        for (int k = 0, n = 1 + int(rng() % 3); k < n; ++k) damaged[rng() % damaged.size()] = char(rng());
        try {
            const Checkpoint c = Checkpoint::open(writeFile(m_dir, "fuzz.pth", damaged));
            for (const TensorView& t : c.tensors()) (void)valuesOf(t);
            (void)c.fingerprint();
        } catch (const Error&) {
        }
    }
}

void TestCheckpoint::safetensorsRoundTrip()
{
    std::vector<NamedTensor> tensors;
    auto add = [&](std::string name, DType dtype, std::vector<int64_t> shape, const std::vector<float>& values) {
        NamedTensor t{std::move(name), dtype, std::move(shape), {}};
        for (float v : values) {
            const size_t at = t.bytes.size();
            t.bytes.resize(at + dtypeSize(dtype));
            if (dtype == DType::F32) std::memcpy(t.bytes.data() + at, &v, 4);
            else if (dtype == DType::F64) { const double d = v; std::memcpy(t.bytes.data() + at, &d, 8); }
            else {
                const uint16_t h = dtype == DType::BF16 ? floatToBf16(v) : floatToF16(v);
                std::memcpy(t.bytes.data() + at, &h, 2);
            }
        }
        tensors.push_back(std::move(t));
    };
    add("z.last", DType::F32, {2, 3}, {1, 2, 3, 4, 5, -6.5f});
    add("a.bf16", DType::BF16, {3}, {0.5f, -2, 1024});
    add("m.half", DType::F16, {1, 1, 2}, {0.25f, 3});
    add("d.double", DType::F64, {1}, {1e-3f});
    add("s.scalar", DType::F32, {}, {42});
    add("e.empty", DType::F32, {0, 4}, {});

    const auto path = std::filesystem::path(m_dir.path().toStdString()) / "round.safetensors";
    writeSafetensors(path, tensors);
    QVERIFY(!std::filesystem::exists(path.string() + ".partial"));
    const Checkpoint c = Checkpoint::open(path);
    QCOMPARE(c.tensors().size(), tensors.size());
    for (size_t i = 0; i < tensors.size(); ++i) {
        const TensorView& t = c.tensors()[i];
        QCOMPARE(t.name, tensors[i].name);
        QCOMPARE(t.dtype, tensors[i].dtype);
        QCOMPARE(t.shape, tensors[i].shape);
        QVERIFY(std::equal(t.bytes.begin(), t.bytes.end(), tensors[i].bytes.begin(), tensors[i].bytes.end()));
    }
    QCOMPARE(valuesOf(c.at("a.bf16")), (std::vector<float>{0.5f, -2, 1024}));
    QCOMPARE(valuesOf(c.at("s.scalar")), (std::vector<float>{42}));
    // Header padding keeps the data section 8-byte aligned.
    const std::string raw = readAll(path);
    uint64_t headerSize = 0;
    std::memcpy(&headerSize, raw.data(), 8);
    QCOMPARE(headerSize % 8, uint64_t(0));

    // The same tensors as a .pth give the same fingerprint.
    std::vector<FakeTensor> fakes;
    std::vector<std::pair<std::string, std::string>> storages;
    for (size_t i = 0; i < tensors.size(); ++i) {
        const auto& t = tensors[i];
        std::vector<int64_t> stride(t.shape.size(), 1);
        for (size_t k = t.shape.size(); k-- > 1;) stride[k - 1] = stride[k] * t.shape[k];
        const char* cls = t.dtype == DType::F32 ? "FloatStorage" : t.dtype == DType::F64 ? "DoubleStorage"
                          : t.dtype == DType::BF16 ? "BFloat16Storage" : "HalfStorage";
        const auto numel = int64_t(t.bytes.size() / dtypeSize(t.dtype));
        fakes.push_back({t.name, std::to_string(i), numel, 0, t.shape, stride, cls});
        const auto* data = reinterpret_cast<const char*>(t.bytes.data());
        storages.emplace_back(std::to_string(i), std::string(data, t.bytes.size()));
    }
    const Checkpoint pth = Checkpoint::open(writeFile(m_dir, "same.pth", pthArchive(stateDictPickle(fakes), storages)));
    QCOMPARE(pth.fingerprint(), c.fingerprint());
}

void TestCheckpoint::safetensorsWriterErrors()
{
    const auto dir = std::filesystem::path(m_dir.path().toStdString());
    try {
        writeSafetensors(dir / "bad.safetensors", {{"a", DType::F32, {3}, std::vector<std::byte>(8)}});
        QFAIL("a size mismatch was accepted");
    } catch (const Error& e) {
        QCOMPARE(e.code(), ErrorCode::InvalidArgument);
    }
    try {
        writeSafetensors(dir / "no-such-dir" / "x.safetensors", {{"a", DType::F32, {1}, std::vector<std::byte>(4)}});
        QFAIL("writing into a missing folder succeeded");
    } catch (const Error& e) {
        QCOMPARE(e.code(), ErrorCode::Io);
        QVERIFY2(std::string(e.what()).find("no-such-dir") != std::string::npos, e.what());
    }
}

QTEST_GUILESS_MAIN(TestCheckpoint)
#include "test_checkpoint.moc"
