// gpu-parity, the GPU tests without Qt (tests/gpu_runner), as the GPU machine's script runs
// it: a line per row, a skip reported as a skip (never a pass), failures and a missing
// required device in the totals and the exit status.
#include "backends/registry.h"
#include "support/cli_run.h"
#include "support/test_support.h"

#include <QTest>

namespace {

using rwkv::test::CliRun;

CliRun parity(const QStringList& args)
{
    return rwkv::test::runCli(QString::fromStdString((rwkv::test::binDir() / "gpu-parity").string()), args);
}

bool available(const std::string& id)
{
    for (const rwkv::DeviceInfo& d : rwkv::listDevices())
        if (d.id == id) return d.available;
    return false;
}

} // namespace

class TestGpuRunner : public QObject {
    Q_OBJECT

private slots:
    void rowsPass()
    {
        if (!available("vulkan:0")) QSKIP("no Vulkan device");
        const CliRun r = parity({"vulkan", "--filter", "kernels/norms"});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out.count("\nPASS kernels/norms "), 7);
        QVERIFY2(r.out.contains("PASS kernels/norms group T2 N33 ("), r.out.constData());
        QVERIFY2(r.out.endsWith("Totals: 7 passed, 0 failed, 0 skipped (vulkan)\n"), r.out.constData());
    }

    // Without --model the chunking test has no checkpoint: skipped with the reason.
    void skipIsReportedAsSkip()
    {
        if (!available("vulkan:0")) QSKIP("no Vulkan device");
        const CliRun r = parity({"vulkan", "--filter", "model/chunking"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains("\nSKIP model/chunkingAndSnapshot: no checkpoint"), r.out.constData());
        QVERIFY2(!r.out.contains("PASS"), r.out.constData());
        QVERIFY2(r.out.endsWith("Totals: 0 passed, 0 failed, 1 skipped (vulkan)\n"), r.out.constData());
    }

    // A row that throws (here: no reference data) fails with the reason; the exit status says so.
    void failureIsReported()
    {
        if (!available("vulkan:0")) QSKIP("no Vulkan device");
        const CliRun r = parity({"vulkan", "--filter", "model/parity x070_c128_l2_v1000 fp32", "--data", "/nonexistent"});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.out.contains("\nFAIL model/parity x070_c128_l2_v1000 fp32: "), r.out.constData());
        QVERIFY2(r.out.contains("missing reference case x070_c128_l2_v1000"), r.out.constData());
        QVERIFY2(r.out.endsWith("Totals: 0 passed, 1 failed, 0 skipped (vulkan)\n"), r.out.constData());
    }

    // No CUDA device: one skip with the registry's reason, or a failure where it is required.
    void missingDevice()
    {
        if (available("cuda:0")) QSKIP("this machine has a CUDA device");
        CliRun r = parity({"cuda"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.startsWith("SKIP cuda: no CUDA device: cuda:0: "), r.out.constData());
        QVERIFY2(r.out.endsWith("Totals: 0 passed, 0 failed, 1 skipped (cuda)\n"), r.out.constData());
        qputenv("RWKV_REQUIRE_CUDA", "1");
        r = parity({"cuda"});
        qunsetenv("RWKV_REQUIRE_CUDA");
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.out.startsWith("FAIL cuda: RWKV_REQUIRE_CUDA is set but there is no CUDA device"), r.out.constData());
        QVERIFY2(r.out.endsWith("Totals: 0 passed, 1 failed, 0 skipped (cuda)\n"), r.out.constData());
    }

    void usageErrors()
    {
        QCOMPARE(parity({"metal"}).exitCode, 2);
        QCOMPARE(parity({"vulkan", "--bogus", "1"}).exitCode, 2);
        QCOMPARE(parity({"vulkan", "--model"}).exitCode, 2);
    }
};

QTEST_GUILESS_MAIN(TestGpuRunner)
#include "test_gpu_runner.moc"
