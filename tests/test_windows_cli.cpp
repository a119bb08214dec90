// The Windows build (mingw preset, RWKV_WINDOWS_CHECK) run under wine: rwkv-cli.exe against the
// official reference vectors of every generation, the World tokenizer cases, bad files, greedy
// output equal to this Linux build's token for token, non-ASCII paths, a long install path,
// replacing a loaded model and CR LF input. Paths are handed over as Z:<linux path> (wine maps Z: to /).
#include "support/cli_run.h"
#include "support/reference_case.h"
#include "support/test_support.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <fstream>

using rwkv::test::CliRun;
using rwkv::test::verifyCleanError;

namespace {

// The same tolerance as test_reference_parity (the reference README's).
constexpr double kTolerance = 1e-3;

QString qPath(const std::filesystem::path& p) { return QString::fromStdString(p.string()); }

// A Linux path as the Windows program sees it (wine maps drive Z: to /).
QString winPath(const QString& linuxPath) { return "Z:" + linuxPath; }

CliRun wineCli(const QStringList& args, const QByteArray& input = {})
{
    return rwkv::test::runCli(RWKV_TEST_WINDOWS_CLI, args, input, RWKV_TEST_WINE);
}

CliRun linuxCli(const QStringList& args) { return rwkv::test::runCli(qPath(rwkv::test::binDir() / "rwkv-cli"), args); }

nlohmann::json readJson(const std::filesystem::path& file)
{
    std::ifstream in(file, std::ios::binary);
    return nlohmann::json::parse(in);
}

QString csv(const std::vector<int32_t>& ids)
{
    QStringList parts;
    for (int32_t id : ids) parts << QString::number(id);
    return parts.join(',');
}

std::vector<int32_t> jsonTokens(const CliRun& r) { return nlohmann::json::parse(r.out.toStdString()).at("tokens").get<std::vector<int32_t>>(); }

} // namespace

class TestWindowsCli : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY2(QFile::exists(RWKV_TEST_WINDOWS_CLI), RWKV_TEST_WINDOWS_CLI);
        // The first run creates the wine prefix (tens of seconds).
        const CliRun r = wineCli({"--version"});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out, QByteArray("rwkv-cli " RWKV_TEST_VERSION "\n"));
    }

    void referenceLogits_data()
    {
        QTest::addColumn<QString>("caseName");
        QTest::addColumn<QString>("format");
        const nlohmann::json manifest = readJson(rwkv::test::dataDir() / "reference/manifest.json");
        for (const auto& c : manifest.at("cases"))
            for (const char* f : {"pth", "safetensors"}) {
                const QString name = QString::fromStdString(c.at("case").get<std::string>());
                QTest::newRow(QString("%1 %2").arg(name, f).toUtf8()) << name << QString(f);
            }
    }

    void referenceLogits()
    {
        QFETCH(QString, caseName);
        QFETCH(QString, format);
        const rwkv::test::ReferenceCase ref = rwkv::test::loadReferenceCase(caseName.toStdString());
        const QString model = winPath(qPath(format == "pth" ? ref.pth : ref.safetensors));
        const CliRun r = wineCli({"logits", "--model", model, "--tokens", csv(ref.tokens), "--json"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const auto logits = nlohmann::json::parse(r.out.toStdString()).at("logits").get<std::vector<float>>();
        const double err = rwkv::test::relativeMaxError(logits, ref.logitsLast);
        QVERIFY2(err < kTolerance, qPrintable(QString("relative error %1").arg(err)));
        // Chunked feeding gives the same logits, as on Linux.
        const CliRun chunked = wineCli({"logits", "--model", model, "--tokens", csv(ref.tokens), "--chunk-sizes",
                                        QString("1,%1").arg(ref.tokens.size() - 1), "--json"});
        QCOMPARE(chunked.exitCode, 0);
        const auto chunkedLogits = nlohmann::json::parse(chunked.out.toStdString()).at("logits").get<std::vector<float>>();
        QVERIFY(rwkv::test::relativeMaxError(chunkedLogits, ref.logitsLast) < kTolerance);
    }

    void worldTokenizer_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("ids");
        int i = 0;
        const nlohmann::json cases = readJson(rwkv::test::dataDir() / "tokenizer/world_cases.json");
        for (const auto& c : cases.at("cases")) {
            const auto text = c.at("text").get<std::string>();
            if (text.empty()) continue; // logits needs at least one token
            QTest::newRow(QByteArray::number(i++)) << QString::fromStdString(text) << csv(c.at("ids").get<std::vector<int32_t>>());
        }
    }

    void worldTokenizer()
    {
        // The text travels as a UTF-16 command line (non-ASCII, tabs, CR LF): the ids show
        // that rwkv-cli.exe read it back as the same UTF-8.
        QFETCH(QString, text);
        QFETCH(QString, ids);
        const CliRun r = wineCli({"logits", "--prompt", text, "--json"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(csv(jsonTokens(r)), ids);
    }

    void neoxCompiledOut()
    {
        // No ICU for mingw: the NeoX tokenizer is not in this build. A Pile-vocabulary model
        // says so and how to run it anyway: token ids with --tokenizer none.
        verifyCleanError(wineCli({"generate", "--tokenizer", "neox", "--prompt", "hi"}), 1, "--tokenizer none");
        QTemporaryDir dir;
        const QString pile = winPath(dir.filePath("pile.st"));
        QCOMPARE(wineCli({"make-random", "--arch", "x040", "--layers", "1", "--width", "64", "--vocab", "50277", "--out", pile}).exitCode, 0);
        verifyCleanError(wineCli({"info", "--model", pile}), 1, "--tokenizer none");
        const CliRun ids = wineCli({"generate", "--model", pile, "--tokenizer", "none", "--tokens", "1,2,3", "--max-tokens", "2", "--json"});
        QVERIFY2(ids.exitCode == 0, ids.err.constData());
        QCOMPARE(jsonTokens(ids).size(), size_t(2));
    }

    void storeCompiledOut()
    {
        verifyCleanError(wineCli({"conv", "list"}), 1, "store");
        verifyCleanError(wineCli({"chat", "--db", "x.sqlite", "--prompt", "hi"}), 1, "store");
    }

    void badFiles()
    {
        QTemporaryDir dir;
        auto write = [&](const QString& name, const QByteArray& bytes) {
            QFile f(dir.filePath(name));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(bytes);
        };
        write("junk.pth", "this is not a model");
        write("empty.safetensors", "");
        QFile ref(qPath(rwkv::test::dataDir() / "reference/x070_c128_l2_v1000.pth"));
        QVERIFY(ref.open(QIODevice::ReadOnly));
        write("truncated.pth", ref.read(ref.size() / 2));
        for (const char* name : {"junk.pth", "empty.safetensors", "truncated.pth", "missing.pth"})
            verifyCleanError(wineCli({"info", "--model", winPath(dir.filePath(name))}), 1, name);
        verifyCleanError(wineCli({"info", "--model", winPath(dir.path())}), 1, "cannot");
        verifyCleanError(wineCli({"generate", "--tokens", "1,x"}), 2, "--tokens");
        verifyCleanError(wineCli({"info", "--frobnicate"}), 2, "--frobnicate");
    }

    void greedyEqualsLinux()
    {
        // The demo model's canary: the recorded greedy continuation (test_demo_model checks it
        // in-process), this build's rwkv-cli and rwkv-cli.exe must all agree token for token.
        const auto canary = readJson(rwkv::test::dataDir() / "rwkv7-demo-18.7m-20261123.verify.json").at("canary");
        const auto expected = canary.at("expected_ids").get<std::vector<int32_t>>();
        const QStringList args{"generate", "--prompt", QString::fromStdString(canary.at("prefix").get<std::string>()),
                               "--max-tokens", QString::number(expected.size()), "--temperature", "0", "--json"};
        const CliRun native = linuxCli(args);
        const CliRun windows = wineCli(args);
        QCOMPARE(native.exitCode, 0);
        QCOMPARE(windows.exitCode, 0);
        QCOMPARE(jsonTokens(windows), jsonTokens(native));
        QCOMPARE(jsonTokens(windows), expected);
        QCOMPARE(nlohmann::json::parse(windows.out.toStdString()).at("text").get<std::string>(),
                 canary.at("greedy_text").get<std::string>());
    }

    void nonAsciiPath()
    {
        QTemporaryDir dir;
        QVERIFY(QDir(dir.path()).mkdir("模型 ü"));
        const QString model = dir.filePath("模型 ü/demo.pth");
        QVERIFY(QFile::copy(qPath(rwkv::test::demoModelPath()), model));
        const CliRun info = wineCli({"info", "--model", winPath(model), "--json"});
        QVERIFY2(info.exitCode == 0, info.err.constData());
        // Printed back as UTF-8, exactly as given.
        QCOMPARE(QString::fromStdString(nlohmann::json::parse(info.out.toStdString()).at("file").get<std::string>()), winPath(model));
        const CliRun gen = wineCli({"generate", "--model", winPath(model), "--prompt", "The RWKV-7 Goose architecture is a recurrent network",
                                    "--max-tokens", "5", "--temperature", "0", "--json"});
        QVERIFY2(gen.exitCode == 0, gen.err.constData());
        QCOMPARE(jsonTokens(gen), (std::vector<int32_t>{32227, 47601, 4596, 56812, 31296}));
        // Written through the wide API too.
        const QString written = dir.filePath("模型 ü/随机.safetensors");
        QCOMPARE(wineCli({"make-random", "--arch", "x070", "--layers", "1", "--width", "64", "--vocab", "100", "--out", winPath(written)}).exitCode, 0);
        QVERIFY(QFile::exists(written));
        verifyCleanError(wineCli({"info", "--model", winPath(dir.filePath("模型 ü/缺少.pth"))}), 1, "缺少.pth");
    }

    void longInstallPath()
    {
        // An install folder past MAX_PATH (260): rwkv-cli.exe finds its demo model and vocabulary
        // next to itself (the executable path is read with a growing buffer) and loads them.
        // Wine has no MAX_PATH limit of its own, so this checks our code, not Windows' policy.
        QTemporaryDir dir;
        QString root = dir.path();
        while (root.size() < 300) root += "/a-rather-long-folder-name-" + QString::number(root.size());
        for (const char* sub : {"bin", "share/rwkv-desktop/models", "share/rwkv-desktop/vocab"}) QVERIFY(QDir().mkpath(root + "/" + sub));
        QVERIFY(QFile::copy(RWKV_TEST_WINDOWS_CLI, root + "/bin/rwkv-cli.exe"));
        const QString share = qPath(rwkv::test::shareDir());
        QVERIFY(QFile::copy(share + "/models/rwkv7-demo-18.7m-20261123.pth", root + "/share/rwkv-desktop/models/rwkv7-demo-18.7m-20261123.pth"));
        QVERIFY(QFile::copy(share + "/vocab/rwkv_vocab_v20230424.txt", root + "/share/rwkv-desktop/vocab/rwkv_vocab_v20230424.txt"));
        const CliRun r = rwkv::test::runCli(root + "/bin/rwkv-cli.exe",
                                            {"generate", "--prompt", "The RWKV-7 Goose architecture is a recurrent network",
                                             "--max-tokens", "5", "--temperature", "0", "--json"},
                                            {}, RWKV_TEST_WINE);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(jsonTokens(r), (std::vector<int32_t>{32227, 47601, 4596, 56812, 31296}));
    }

    void modelFileFreeAfterLoading()
    {
        // Windows will not replace or delete a file another process has mapped. rwkv-cli maps a
        // checkpoint only while loading it (the weights are copied into the device's buffers),
        // so a running chat does not lock its model: writing over it succeeds, and the chat goes
        // on with the weights it loaded, answering exactly as the Linux build does.
        QTemporaryDir dir;
        const QString model = dir.filePath("in use.pth");
        QVERIFY(QFile::copy(qPath(rwkv::test::demoModelPath()), model));
        QProcess chat;
        chat.start(RWKV_TEST_WINE, {RWKV_TEST_WINDOWS_CLI, "chat", "--model", winPath(model), "--temperature", "0"});
        chat.write("Hello!\n");
        // A reply means the model is loaded; the chat then waits for the next line.
        QByteArray out;
        while (!out.contains('\n')) {
            QVERIFY(chat.waitForReadyRead(120000));
            out += chat.readAllStandardOutput();
        }
        const CliRun replaced = wineCli({"make-random", "--arch", "x070", "--layers", "1", "--width", "64", "--vocab", "100",
                                         "--out", winPath(model)});
        QVERIFY2(replaced.exitCode == 0, replaced.err.constData());
        QVERIFY(QFileInfo(model).size() < 1000000);
        chat.write("What is 7 + 5?\n");
        chat.closeWriteChannel();
        QVERIFY(chat.waitForFinished(120000));
        QCOMPARE(chat.exitCode(), 0);
        out += chat.readAllStandardOutput();
        const CliRun native = rwkv::test::runCli(qPath(rwkv::test::binDir() / "rwkv-cli"), {"chat", "--temperature", "0"},
                                                 "Hello!\nWhat is 7 + 5?\n");
        QCOMPARE(native.exitCode, 0);
        QCOMPARE(out, native.out);
    }

    void crlfInputAndLfOutput()
    {
        // Piped Windows text has CR LF line ends: the chat reads them as LF, and the replies
        // come out with LF only, byte for byte what the Linux build prints.
        const QByteArray lf = "What is 7 + 5?\nThank you!\n";
        QByteArray crlf = lf;
        crlf.replace("\n", "\r\n");
        const CliRun windows = wineCli({"chat", "--temperature", "0"}, crlf);
        const CliRun native = rwkv::test::runCli(qPath(rwkv::test::binDir() / "rwkv-cli"), {"chat", "--temperature", "0"}, lf);
        QCOMPARE(windows.exitCode, 0);
        QCOMPARE(native.exitCode, 0);
        QVERIFY2(windows.out.startsWith("7 + 5 = 12.\n"), windows.out.constData());
        QCOMPARE(windows.out, native.out);
    }
};

QTEST_GUILESS_MAIN(TestWindowsCli)
#include "test_windows_cli.moc"
