// rwkv-cli as a user runs it: real processes, the bundled demo model, and bad input that
// must end in one clear line on stderr and a non-zero exit code.
#include "backends/cpu/simd_dispatch.h"
#include "support/cli_run.h"
#include "support/test_support.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

namespace {

using rwkv::test::verifyCleanError;
using Run = rwkv::test::CliRun;

Run cli(const QStringList& args, const QByteArray& input = {})
{
    return rwkv::test::runCli(QString::fromStdString((rwkv::test::binDir() / "rwkv-cli").string()), args, input);
}

} // namespace

class TestCli : public QObject {
    Q_OBJECT

private slots:
    void chatNonInteractive()
    {
        const Run r = cli({"chat", "--prompt", "Hello!", "--temperature", "0"});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out, QByteArray(" Hello! How can I help you today?\n"));
    }

    void chatFromStdin()
    {
        const Run r = cli({"chat", "--temperature", "0"}, "What is 7 + 5?\nThank you!\n");
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.startsWith(" 7 + 5 = 12.\n"), r.out.constData());
        QCOMPARE(r.out.count('\n'), 2);
    }

    void generateJson()
    {
        const Run r = cli({"generate", "--prompt", "The RWKV-7 Goose architecture is a recurrent network", "--max-tokens",
                           "5", "--temperature", "0", "--json"});
        QCOMPARE(r.exitCode, 0);
        const auto j = nlohmann::json::parse(r.out.toStdString());
        QCOMPARE(j.at("tokens").get<std::vector<int>>(), (std::vector<int>{32227, 47601, 4596, 56812, 31296}));
        QCOMPARE(j.at("text").get<std::string>(), std::string(" that trains in parallel like"));
        QVERIFY(j.at("prefill_tokens_per_s").get<double>() > 0);
        QVERIFY(j.at("decode_tokens_per_s").get<double>() > 0);
    }

    void generateStopString()
    {
        const Run r = cli({"generate", "--prompt", "The RWKV-7 Goose architecture is a recurrent network", "--max-tokens",
                           "40", "--temperature", "0", "--stop", "parallel", "--json"});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(nlohmann::json::parse(r.out.toStdString()).at("text").get<std::string>(), std::string(" that trains in "));
    }

    void logitsChunkingAgrees()
    {
        const Run whole = cli({"logits", "--tokens", "6699,4171,1184,46,56,3851", "--json"});
        const Run split = cli({"logits", "--tokens", "6699,4171,1184,46,56,3851", "--chunk-sizes", "1,2,3", "--json"});
        QCOMPARE(whole.exitCode, 0);
        QCOMPARE(split.exitCode, 0);
        const auto a = nlohmann::json::parse(whole.out.toStdString()).at("logits").get<std::vector<float>>();
        const auto b = nlohmann::json::parse(split.out.toStdString()).at("logits").get<std::vector<float>>();
        QCOMPARE(a.size(), size_t(65536));
        float maxDiff = 0;
        for (size_t i = 0; i < a.size(); ++i) maxDiff = std::max(maxDiff, std::abs(a[i] - b[i]));
        QVERIFY(maxDiff < 1e-4f);
    }

    void infoAndMakeRandom()
    {
        QTemporaryDir dir;
        const QString file = dir.filePath("r.safetensors");
        const Run made = cli({"make-random", "--arch", "x070", "--layers", "2", "--width", "128", "--vocab", "300", "--out", file});
        QCOMPARE(made.exitCode, 0);
        const Run info = cli({"info", "--model", file, "--json"});
        QCOMPARE(info.exitCode, 0);
        const auto j = nlohmann::json::parse(info.out.toStdString());
        QCOMPARE(j.at("generation").get<std::string>(), std::string("x070"));
        QCOMPARE(j.at("layers").get<int>(), 2);
        QCOMPARE(j.at("state_bytes").get<int64_t>(), int64_t(2 * (2 * 128 + 2 * 64 * 64) * 4));
        QCOMPARE(j.at("tokenizer").get<std::string>(), std::string("none"));
        // The CPU kernels' SIMD target (this CPU's best) and choices, as bench prints them too.
        const QString kernels = QString::fromStdString(j.at("cpu_kernels").get<std::string>());
        QVERIFY2(kernels.startsWith(QString::fromStdString(rwkv::cpu::availableSimdTargets().front()) + " target; bf16 prefill: "),
                 qPrintable(kernels));
        QVERIFY2(kernels.contains("decode prefetch: "), qPrintable(kernels));
        // A vocabulary without a tokenizer takes token ids only.
        verifyCleanError(cli({"generate", "--model", file, "--prompt", "hi"}), 1, "--tokens");
        QCOMPARE(cli({"generate", "--model", file, "--tokens", "1,2,3", "--max-tokens", "3"}).exitCode, 0);
    }

    void nonAsciiModelPath()
    {
        // Paths are UTF-8 in and out; the Windows build runs the same check under wine.
        QTemporaryDir dir;
        QVERIFY(QDir(dir.path()).mkdir("模型 ü"));
        const QString model = dir.filePath("模型 ü/demo.pth");
        QVERIFY(QFile::copy(QString::fromStdString((rwkv::test::demoModelPath()).string()), model));
        const Run info = cli({"info", "--model", model, "--json"});
        QCOMPARE(info.exitCode, 0);
        QCOMPARE(QString::fromStdString(nlohmann::json::parse(info.out.toStdString()).at("file").get<std::string>()), model);
        const Run gen = cli({"generate", "--model", model, "--prompt", "The RWKV-7 Goose architecture is a recurrent network",
                             "--max-tokens", "5", "--temperature", "0", "--json"});
        QCOMPARE(gen.exitCode, 0);
        QCOMPARE(nlohmann::json::parse(gen.out.toStdString()).at("tokens").get<std::vector<int>>(),
                 (std::vector<int>{32227, 47601, 4596, 56812, 31296}));
        const QString written = dir.filePath("模型 ü/随机.safetensors");
        QCOMPARE(cli({"make-random", "--arch", "x070", "--layers", "1", "--width", "64", "--vocab", "100", "--out", written}).exitCode, 0);
        QVERIFY(QFile::exists(written));
        verifyCleanError(cli({"info", "--model", dir.filePath("模型 ü/缺少.pth")}), 1, "缺少.pth");
    }

    void everyGenerationRuns_data()
    {
        QTest::addColumn<QString>("arch");
        QTest::addColumn<QString>("vocab");
        QTest::addColumn<QString>("tokenizer");
        QTest::newRow("x040 pile") << "x040" << "50277" << "neox";
        QTest::newRow("x052 world") << "x052" << "65536" << "world";
        QTest::newRow("x060 world") << "x060" << "65536" << "world";
    }

    void everyGenerationRuns()
    {
        QFETCH(QString, arch);
        QFETCH(QString, vocab);
        QFETCH(QString, tokenizer);
        QTemporaryDir dir;
        const QString file = dir.filePath("m.st");
        QCOMPARE(cli({"make-random", "--arch", arch, "--layers", "2", "--width", "128", "--vocab", vocab, "--out", file}).exitCode, 0);
        const Run info = cli({"info", "--model", file, "--json"});
        QCOMPARE(info.exitCode, 0);
        const auto j = nlohmann::json::parse(info.out.toStdString());
        QCOMPARE(QString::fromStdString(j.at("generation").get<std::string>()), arch);
        QCOMPARE(QString::fromStdString(j.at("tokenizer").get<std::string>()), tokenizer);
        const Run gen = cli({"generate", "--model", file, "--prompt", "Hello world", "--max-tokens", "4", "--json"});
        QCOMPARE(gen.exitCode, 0);
        QCOMPARE(nlohmann::json::parse(gen.out.toStdString()).at("tokens").size(), size_t(4));
        QCOMPARE(cli({"chat", "--model", file, "--prompt", "Hi", "--max-tokens", "3"}).exitCode, 0);
    }

    void badInput()
    {
        QTemporaryDir dir;
        const QString junk = dir.filePath("junk.pth");
        QFile f(junk);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("this is not a model");
        f.close();
        verifyCleanError(cli({"info", "--model", junk}), 1, "junk.pth");
        verifyCleanError(cli({"info", "--model", dir.filePath("missing.pth")}), 1, "missing.pth");
        verifyCleanError(cli({"generate", "--tokens", "1,x"}), 2, "--tokens");
        verifyCleanError(cli({"generate", "--tokens", "99999999"}), 2, "vocabulary");
        verifyCleanError(cli({"chat", "--prompt", "hi", "--temperature", "hot"}), 2, "--temperature");
        verifyCleanError(cli({"info", "--strategy", "cpu fp8"}), 2, "fp8");
        verifyCleanError(cli({"info", "--device", "cuda:0"}), 1, "cuda:0");
        verifyCleanError(cli({"info", "--frobnicate"}), 2, "--frobnicate");
        QCOMPARE(cli({"nonsense"}).exitCode, 2);
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"
