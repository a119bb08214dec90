// Vulkan discovery never crashes: without a driver (an ICD list naming no file) `rwkv-cli
// devices` still lists vulkan:0 as unavailable with the reason, and asking for it is one
// clear error. Runs on every machine, with or without a Vulkan device.
#include "support/test_support.h"

#include <QProcess>
#include <QTest>

#include <algorithm>

namespace {

struct Run {
    int exitCode = -1;
    QByteArray out, err;
};

Run cliWithoutDriver(const QStringList& args)
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("VK_ICD_FILENAMES"), QStringLiteral("/nonexistent/no_such_icd.json"));
    env.insert(QStringLiteral("VK_DRIVER_FILES"), QStringLiteral("/nonexistent/no_such_icd.json"));
    p.setProcessEnvironment(env);
    p.start(QString::fromStdString((rwkv::test::binDir() / "rwkv-cli").string()), args);
    if (!p.waitForFinished(120000)) qFatal("rwkv-cli did not finish");
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAllStandardOutput(),
            p.readAllStandardError()};
}

} // namespace

class TestVulkanRegistry : public QObject {
    Q_OBJECT

private slots:
    void listedUnavailableWithoutDriver()
    {
        const Run r = cliWithoutDriver({QStringLiteral("devices")});
        QCOMPARE(r.exitCode, 0);
        const QList<QByteArray> lines = r.out.split('\n');
        const auto vk = std::find_if(lines.begin(), lines.end(), [](const QByteArray& l) { return l.startsWith("vulkan:0 "); });
        QVERIFY2(vk != lines.end(), r.out.constData());
        QVERIFY2(vk->contains(" unavailable "), vk->constData());
        // The reason: no driver, or a build without the backend.
        QVERIFY2(vk->contains("no usable Vulkan driver") || vk->contains("not built"), vk->constData());
        QVERIFY(r.out.contains("cpu        available"));
    }

    void requestingItIsOneClearError()
    {
        const Run r = cliWithoutDriver({QStringLiteral("info"), QStringLiteral("--device"), QStringLiteral("vulkan:0")});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.startsWith("rwkv-cli: ") && r.err.count('\n') == 1, r.err.constData());
        QVERIFY2(r.err.contains("Vulkan") || r.err.contains("vulkan"), r.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestVulkanRegistry)
#include "test_vulkan_registry.moc"
