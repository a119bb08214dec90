// rwkv-cli perplexity as a user runs it, on the bundled demo model and a text it was not
// trained on (tests/data/perplexity/prose.txt): finite scores, exact agreement of a strategy
// with itself, the positions lined up with `rwkv-cli logits`, and one clear line for bad files.
#include "support/cli_run.h"
#include "support/test_support.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

namespace {

using rwkv::test::verifyCleanError;
using Run = rwkv::test::CliRun;

Run cli(const QStringList& args)
{
    return rwkv::test::runCli(QString::fromStdString((rwkv::test::binDir() / "rwkv-cli").string()), args);
}

QString prosePath()
{
    return QString::fromStdString((rwkv::test::dataDir() / "perplexity" / "prose.txt").string());
}

nlohmann::json runJson(const QStringList& args)
{
    const Run r = cli(args);
    if (r.exitCode != 0) qWarning("%s", r.err.constData());
    return r.exitCode == 0 ? nlohmann::json::parse(r.out.toStdString()) : nlohmann::json();
}

QString writeFile(const QTemporaryDir& dir, const QString& name, const QByteArray& bytes)
{
    QFile f(dir.filePath(name));
    if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size()) return {};
    return f.fileName();
}

// −log softmax(row)[target] in double, written here independently of core/perplexity.
double negativeLogProbability(const std::vector<float>& row, int target)
{
    const double max = *std::max_element(row.begin(), row.end());
    double sum = 0;
    for (float x : row) sum += std::exp(double(x) - max);
    return -(double(row[size_t(target)]) - max - std::log(sum));
}

} // namespace

class TestCliPerplexity : public QObject {
    Q_OBJECT

private slots:
    void proseIsPredictedBetterThanChance()
    {
        // 300 tokens: three forward chunks of at most 128.
        const auto j = runJson({"perplexity", prosePath(), "--max-tokens", "300", "--json"});
        QVERIFY(!j.is_null());
        QCOMPARE(j.at("tokens").get<int>(), 300);
        QCOMPARE(j.at("predicted").get<int>(), 299);
        const double ppl = j.at("perplexity").get<double>();
        QVERIFY2(std::isfinite(ppl) && ppl > 1, qPrintable(QString::number(ppl)));
        // Guessing uniformly over the 65536 ids would be 65536; a trained model does far better.
        QVERIFY2(ppl < 2000, qPrintable(QString::number(ppl)));
        QVERIFY(j.at("bytes").get<int>() > 299);
        const double bpb = j.at("bits_per_byte").get<double>();
        QVERIFY(std::isfinite(bpb) && bpb > 0);
        QVERIFY(!j.contains("against"));
    }

    void againstItselfAgreesExactly()
    {
        const auto j = runJson({"perplexity", prosePath(), "--strategy", "cpu int8", "--against", "cpu int8",
                                "--max-tokens", "200", "--json"});
        QVERIFY(!j.is_null());
        const auto& a = j.at("against");
        QCOMPARE(a.at("strategy").get<std::string>(), std::string("cpu int8"));
        QCOMPARE(a.at("mean_kl").get<double>(), 0.0);
        QCOMPARE(a.at("top1_agreement").get<double>(), 1.0);
        QCOMPARE(a.at("max_abs_logit_diff").get<double>(), 0.0);
        QCOMPARE(a.at("perplexity").get<double>(), j.at("perplexity").get<double>());
    }

    void againstAnotherPrecisionDiffers()
    {
        // int8 weights move the logits a little: KL above 0, yet both score the text alike.
        const auto j = runJson({"perplexity", prosePath(), "--strategy", "cpu int8", "--against", "cpu fp32",
                                "--max-tokens", "200", "--json"});
        QVERIFY(!j.is_null());
        const auto& a = j.at("against");
        QVERIFY(a.at("mean_kl").get<double>() > 0);
        QVERIFY(a.at("max_abs_logit_diff").get<double>() > 0);
        const double top1 = a.at("top1_agreement").get<double>();
        QVERIFY2(top1 > 0.5 && top1 <= 1.0, qPrintable(QString::number(top1)));
        QVERIFY(std::abs(j.at("perplexity").get<double>() / a.at("perplexity").get<double>() - 1) < 0.2);
    }

    void decodeChunksScoreAsPrefill()
    {
        // One token a call runs the decode loops, 128 the prefill GEMMs: in fp32 both are the
        // same arithmetic up to summation order.
        const auto prefill = runJson({"perplexity", prosePath(), "--strategy", "cpu fp32", "--max-tokens", "60", "--json"});
        const auto decode = runJson({"perplexity", prosePath(), "--strategy", "cpu fp32", "--max-tokens", "60",
                                     "--chunk-tokens", "1", "--json"});
        QVERIFY(!prefill.is_null() && !decode.is_null());
        QCOMPARE(decode.at("predicted").get<int>(), 59);
        const double p = prefill.at("perplexity").get<double>(), d = decode.at("perplexity").get<double>();
        QVERIFY2(std::abs(d / p - 1) < 1e-5, qPrintable(QString("%1 vs %2").arg(d).arg(p)));
        verifyCleanError(cli({"perplexity", prosePath(), "--chunk-tokens", "0"}), 2, "--chunk-tokens");
        verifyCleanError(cli({"perplexity", prosePath(), "--chunk-tokens", "129"}), 2, "--chunk-tokens");
    }

    void positionsMatchTheLogitsCommand()
    {
        // The first three tokens of a text: position 0 predicts token 1, position 1 token 2.
        QTemporaryDir dir;
        const QString file = writeFile(dir, "three.txt", "The lighthouse on the island");
        const auto ids = runJson({"logits", "--prompt", "The lighthouse on the island"}).at("tokens").get<std::vector<int>>();
        QVERIFY(ids.size() >= 3);
        double expected = 0;
        for (size_t p = 0; p < 2; ++p) {
            QStringList csv;
            for (size_t i = 0; i <= p; ++i) csv << QString::number(ids[i]);
            const auto row = runJson({"logits", "--tokens", csv.join(',')}).at("logits").get<std::vector<float>>();
            expected += negativeLogProbability(row, ids[p + 1]) / 2;
        }
        const auto j = runJson({"perplexity", file, "--max-tokens", "3", "--json"});
        QCOMPARE(j.at("predicted").get<int>(), 2);
        const double nll = j.at("mean_nll").get<double>();
        QVERIFY2(std::abs(nll - expected) < 1e-5 * expected, qPrintable(QString("%1 vs %2").arg(nll).arg(expected)));
    }

    void textOutput()
    {
        const Run r = cli({"perplexity", prosePath(), "--max-tokens", "50", "--against", "cpu fp32"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains("49 predicted"), r.out.constData());
        QVERIFY2(r.out.contains("perplexity"), r.out.constData());
        QVERIFY2(r.out.contains("top-1 agreement 100.00 %"), r.out.constData());
    }

    void badFilesAreOneLine()
    {
        QTemporaryDir dir;
        verifyCleanError(cli({"perplexity", dir.filePath("missing.txt")}), 1, "cannot read");
        verifyCleanError(cli({"perplexity", writeFile(dir, "empty.txt", "")}), 1, "is empty");
        verifyCleanError(cli({"perplexity", writeFile(dir, "latin1.txt", "caf\xe9 au lait")}), 1, "not UTF-8");
        verifyCleanError(cli({"perplexity", writeFile(dir, "one.txt", "A")}), 1, "at least 2");
        verifyCleanError(cli({"perplexity", dir.path()}), 1, "folder");
        verifyCleanError(cli({"perplexity", prosePath(), "--max-tokens", "1"}), 2, "--max-tokens");
        verifyCleanError(cli({"perplexity", prosePath(), "--against", "cpu int4"}), 2, "int4");
        verifyCleanError(cli({"perplexity"}), 2, "perplexity");
    }
};

QTEST_GUILESS_MAIN(TestCliPerplexity)
#include "test_cli_perplexity.moc"
