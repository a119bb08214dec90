// rwkv-cli as a user runs it: real processes, the bundled demo model, and bad input that
// must end in one clear line on stderr and a non-zero exit code.
#include "backends/cpu/simd_dispatch.h"
#include "support/cli_run.h"
#include "support/test_support.h"
#include "tools/rwkv-cli/command_table.h"

#include <QDir>
#include <QElapsedTimer>
#include <QThread>
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
        // The space the model puts after "Assistant:" is not shown.
        QCOMPARE(r.out, QByteArray("Hello! How can I help you today?\n"));
        // The bundled model says it is a toy and where real models are, once.
        QCOMPARE(r.err.count("huggingface.co/BlinkDL"), 1);
    }

    void chatFromStdin()
    {
        const Run r = cli({"chat", "--temperature", "0"}, "What is 7 + 5?\nThank you!\n");
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.startsWith("7 + 5 = 12.\n"), r.out.constData());
        QCOMPARE(r.out.count('\n'), 2);
    }

    void chatCommands()
    {
        // An empty line no longer ends the chat; /regenerate and /reset give the greedy reply
        // again; /quit ends before the last line; an unknown command is one error line.
        const QByteArray hello = "Hello! How can I help you today?\n";
        const Run r = cli({"chat", "--temperature", "0"}, "Hello!\n\n/regenerate\n/bogus\n/reset\nHello!\n/help\n/quit\nWhat is 7 + 5?\n");
        QCOMPARE(r.out, hello + hello + hello);
        QVERIFY2(r.err.contains("unknown command /bogus"), r.err.constData());
        QVERIFY2(r.err.contains("/save NAME"), r.err.constData());
        QCOMPARE(r.exitCode, 1); // a line failed
        // /regenerate replaces the last turn: the next reply continues from the same state.
        const Run straight = cli({"chat", "--temperature", "0"}, "What is 7 + 5?\nThank you!\n");
        const Run again = cli({"chat", "--temperature", "0"}, "What is 7 + 5?\n/regenerate\nThank you!\n");
        QCOMPARE(again.exitCode, 0);
        const QList<QByteArray> lines = again.out.split('\n');
        QCOMPARE(lines[0] + "\n" + lines[2] + "\n", straight.out);
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

    // "cpu int8": info names it before generating, with the bytes the format gives: the
    // demo model's quantized matrices (8 layers × (4·128² + 2·512·128) + the 65536×128 head
    // = 9961472 weights) take 1 + 2/32 bytes each instead of fp16's 2; everything else is
    // stored alike. Greedy output equals fp32's here (top-1 agreement: test_int8_model).
    void int8Strategy()
    {
        auto info = [&](const char* strategy) {
            const Run r = cli({"info", "--strategy", strategy, "--json"});
            [&] { QCOMPARE(r.exitCode, 0); }();
            return nlohmann::json::parse(r.out.toStdString());
        };
        const auto int8 = info("cpu int8"), fp16 = info("cpu fp16");
        QCOMPARE(int8.at("strategy").get<std::string>(), std::string("cpu int8"));
        QVERIFY(int8.at("placement").get<std::string>().ends_with(" int8"));
        QCOMPARE(fp16.at("weight_bytes").get<int64_t>() - int8.at("weight_bytes").get<int64_t>(), int64_t(9961472) * 15 / 16);
        // The estimates before loading (core/memory_estimate.h) against the weights the loaded
        // models hold, counted as they were allocated.
        const auto& estimate = fp16.at("estimated_weight_bytes");
        for (const auto& [precision, loaded] : {std::pair{"fp16", fp16}, std::pair{"int8", int8}}) {
            const double ratio = estimate.at(precision).get<double>() / loaded.at("weight_bytes").get<double>();
            QVERIFY2(ratio > 0.98 && ratio < 1.02, precision);
        }
        const Run r = cli({"generate", "--prompt", "The RWKV-7 Goose architecture is a recurrent network", "--max-tokens",
                           "5", "--temperature", "0", "--json", "--strategy", "cpu int8"});
        QCOMPARE(r.exitCode, 0);
        const auto j = nlohmann::json::parse(r.out.toStdString());
        QCOMPARE(j.at("tokens").get<std::vector<int>>(), (std::vector<int>{32227, 47601, 4596, 56812, 31296}));
        verifyCleanError(cli({"info", "--strategy", "cpu int4"}), 2, "int8");
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

    void decodeSameUnderEveryPrefetchHint()
    {
        // The hint only moves data between caches: decode (one token at a time, fp32 and the
        // one-row 16-bit loop) gives the same bits under each, and info names the one in use.
        for (const char* precision : {"fp32", "bf16"}) {
            QByteArray reference;
            for (const char* hint : {"none", "t0", "t1", "nta"}) {
                qputenv("RWKV_CPU_PREFETCH", hint);
                const Run r = cli({"logits", "--tokens", "6699,4171,1184", "--chunk-sizes", "1,1,1", "--strategy",
                                   QString("cpu ") + precision});
                const Run info = cli({"info", "--json"});
                qunsetenv("RWKV_CPU_PREFETCH");
                QCOMPARE(r.exitCode, 0);
                const auto kernels = nlohmann::json::parse(info.out.toStdString()).at("cpu_kernels").get<std::string>();
                QVERIFY2(kernels.find(std::string("decode prefetch: ") + hint + " (") != std::string::npos, kernels.c_str());
                if (reference.isEmpty()) reference = r.out;
                QVERIFY2(r.out == reference, hint);
            }
        }
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
        const Run chat = cli({"chat", "--model", file, "--prompt", "Hi", "--max-tokens", "3"});
        QCOMPARE(chat.exitCode, 0);
        QVERIFY2(!chat.err.contains("huggingface"), "only the bundled model is called a toy");
    }

    // Every command and verb of the command table (which the parser checks options against)
    // prints its usage for --help and -h, naming every option the parser accepts for it.
    void everyCommandHasHelp()
    {
        using rwkv::cli::commandSpecs;
        QVERIFY(commandSpecs().size() >= 23); // 9 commands, 14 verbs
        for (const rwkv::cli::CommandSpec& spec : commandSpecs()) {
            QStringList words{QString::fromUtf8(spec.name.data(), qsizetype(spec.name.size()))};
            if (!spec.verb.empty()) words << QString::fromUtf8(spec.verb.data(), qsizetype(spec.verb.size()));
            const QByteArray what = words.join(' ').toUtf8();
            for (const QString help : {"--help", "-h"}) {
                const Run r = cli(words + QStringList{help});
                QVERIFY2(r.exitCode == 0, what + " " + help.toUtf8() + ": " + r.err);
                QVERIFY2(r.out.startsWith("usage: rwkv-cli " + what), what + ": " + r.out);
                for (const rwkv::cli::OptionSpec& o : spec.options) {
                    const QByteArray option = "  --" + QByteArray(o.name.data(), qsizetype(o.name.size()));
                    QVERIFY2(r.out.contains(option + " ") || r.out.contains(option + "\n"), what + " lacks" + option);
                }
            }
            // The parser accepts each of them: it reads past every one and stops at the unknown option.
            QStringList accepted = words;
            for (size_t i = 0; i < rwkv::cli::positionalCount(spec); ++i) accepted << "1";
            for (const rwkv::cli::OptionSpec& o : spec.options) {
                accepted << "--" + QString::fromUtf8(o.name.data(), qsizetype(o.name.size()));
                if (!o.value.empty()) accepted << "1";
            }
            verifyCleanError(cli(accepted + QStringList{"--no-such-option"}), 2, "'--no-such-option'");
        }
        // After positional arguments, and for a command's verbs as a whole.
        QCOMPARE(cli({"conv", "show", "1", "-h"}).exitCode, 0);
        const Run verbs = cli({"doc", "--help"});
        QCOMPARE(verbs.exitCode, 0);
        for (const char* verb : {"doc ingest FILE", "doc ask DOC QUESTION", "doc list", "doc rm DOC"})
            QVERIFY2(verbs.out.contains(verb), verb);
        // A prompt that reads "-h" is a prompt, not a request for help.
        QCOMPARE(cli({"generate", "--prompt", "-h", "--max-tokens", "1"}).out.startsWith("usage"), false);
        const Run overview = cli({"--help"});
        QVERIFY(overview.out.contains("--help (or -h)"));
    }

    // More threads than the machine has are capped with a notice; every place that names the
    // CPU device says the same count (QThread's count is the independent truth).
    void threadsCappedAtHardware()
    {
        const int n = QThread::idealThreadCount();
        const QByteArray threads = QByteArray::number(n) + (n == 1 ? " thread)" : " threads)");
        const auto placement = [](const Run& r) {
            return QByteArray::fromStdString(nlohmann::json::parse(r.out.toStdString()).at("placement").get<std::string>());
        };
        const Run capped = cli({"info", "--threads", "999", "--json"});
        QCOMPARE(capped.exitCode, 0);
        QVERIFY2(capped.err.contains("--threads 999 is more than this machine's"), capped.err.constData());
        QVERIFY2(placement(capped).contains(threads), capped.out.constData());
        const Run info = cli({"info", "--json"});
        QVERIFY(placement(info).contains(threads));
        QVERIFY2(info.err.isEmpty(), info.err.constData());
        const Run devices = cli({"devices"});
        QVERIFY2(devices.out.split('\n')[0].contains(threads), devices.out.constData());
        const Run chat = cli({"chat", "--prompt", "Hello!", "--temperature", "0", "--threads", "999"});
        QCOMPARE(chat.out, QByteArray("Hello! How can I help you today?\n"));
    }

    // One check of the settings and the prompt for every command that generates.
    void settingsCheckedAlike_data()
    {
        QTest::addColumn<QStringList>("options");
        QTest::addColumn<QString>("mention");
        QTest::newRow("max-tokens") << QStringList{"--max-tokens", "-1"} << "--max-tokens must be between 0 and 65536";
        QTest::newRow("top-p") << QStringList{"--top-p", "2"} << "--top-p must be between 0 and 1";
        QTest::newRow("temperature") << QStringList{"--temperature", "-0.5"} << "--temperature must be between 0 and 2";
        QTest::newRow("top-k") << QStringList{"--top-k", "-1"} << "--top-k must be between";
        QTest::newRow("presence") << QStringList{"--presence-penalty", "3"} << "--presence-penalty must be between -2 and 2";
        QTest::newRow("decay") << QStringList{"--penalty-decay", "1.5"} << "--penalty-decay must be between 0 and 1";
    }

    void settingsCheckedAlike()
    {
        QFETCH(QStringList, options);
        QFETCH(QString, mention);
        QTemporaryDir dir;
        const QString db = dir.filePath("s.sqlite");
        const QList<QStringList> commands = {{"generate", "--prompt", "Hi"}, {"chat", "--prompt", "Hi"},
                                             {"chat", "--db", db, "--prompt", "Hi"}, {"doc", "ask", "1", "Hi?", "--db", db},
                                             {"state", "load", "x", "--db", db}};
        for (const QStringList& command : commands) verifyCleanError(cli(command + options), 2, mention.toUtf8().constData());
        QCOMPARE(cli({"conv", "list", "--db", db, "--json"}).out, QByteArray("[]\n"));
    }

    void promptsCheckedAlike()
    {
        verifyCleanError(cli({"generate", "--prompt", ""}), 2, "--prompt must not be empty");
        verifyCleanError(cli({"chat", "--prompt", ""}), 2, "--prompt must not be empty");
        verifyCleanError(cli({"chat", "--prompt", " \n "}), 2, "--prompt must not be empty");
        verifyCleanError(cli({"logits", "--prompt", ""}), 2, "--prompt must not be empty");
        // Bytes that are not UTF-8, as a shell passes them.
        const QString program = QString::fromStdString((rwkv::test::binDir() / "rwkv-cli").string());
        for (const char* command : {"generate", "chat"})
            verifyCleanError(rwkv::test::runCli("sh", {"-c", "exec \"$0\" " + QString(command) + " --prompt \"$(printf 'caf\\351')\"", program}),
                             2, "--prompt is not valid UTF-8 text");
        const Run line = cli({"chat", "--temperature", "0"}, "caf\xe9\nHello!\n");
        QVERIFY2(line.err.contains("the message is not valid UTF-8 text"), line.err.constData());
        QCOMPARE(line.out, QByteArray("Hello! How can I help you today?\n"));
    }

    // On a terminal the loading line is redrawn only when its value changes, a few times a
    // second at most (it was redrawn 281 times for the 71 MB demo model).
    void progressLineRedrawsSparingly()
    {
        const QString program = QString::fromStdString((rwkv::test::binDir() / "rwkv-cli").string());
        QElapsedTimer timer;
        timer.start();
        const Run r = rwkv::test::runCli("script", {"-qec", program + " info", "/dev/null"});
        const double seconds = double(timer.elapsed()) / 1000.0;
        QCOMPARE(r.exitCode, 0);
        QList<int> shown;
        for (const QByteArray& piece : r.out.split('\r')) {
            const qsizetype at = piece.indexOf("loading ");
            if (at < 0) continue;
            const QByteArray percent = piece.mid(piece.lastIndexOf(':') + 1).trimmed();
            shown << percent.left(percent.indexOf('%')).toInt();
        }
        QVERIFY2(!shown.isEmpty(), r.out.left(400).constData());
        for (qsizetype i = 1; i < shown.size(); ++i) QVERIFY2(shown[i] > shown[i - 1], "a redraw without a change");
        QVERIFY2(shown.size() <= 2 + int(seconds * 4), QByteArray::number(shown.size()) + " redraws in " + QByteArray::number(seconds) + " s");
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
        verifyCleanError(cli({"generate", "--prompt", "hi", "--ban", "x"}), 2, "--ban expects a token id");
        verifyCleanError(cli({"info", "--strategy", "cpu fp8"}), 2, "fp8");
        verifyCleanError(cli({"info", "--device", "cuda:0"}), 1, "cuda:0");
        verifyCleanError(cli({"info", "--frobnicate"}), 2, "--frobnicate");
        QCOMPARE(cli({"nonsense"}).exitCode, 2);
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"
