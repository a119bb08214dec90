#include "support/cli_run.h"

#include <QProcess>
#include <QTest>

#include <sys/resource.h>

#include <algorithm>

namespace rwkv::test {

namespace {

CliRun finish(QProcess& p, const QString& program, const QByteArray& input)
{
    p.write(input);
    p.closeWriteChannel();
    if (!p.waitForFinished(300000)) qFatal("%s did not finish", qPrintable(program));
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAllStandardOutput(), p.readAllStandardError()};
}

} // namespace

CliRun runCli(const QString& program, const QStringList& args, const QByteArray& input, const QString& launcher)
{
    QProcess p;
    if (launcher.isEmpty()) p.start(program, args);
    else p.start(launcher, QStringList{program} + args);
    return finish(p, program, input);
}

CliRun runCliWithMemoryCap(const QString& program, const QStringList& args, unsigned long long maxBytes, MemoryCap cap)
{
    QProcess p;
    if (kAddressSanitizer) {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        const QString options = env.value("ASAN_OPTIONS");
        env.insert("ASAN_OPTIONS", (options.isEmpty() ? "" : options + ":") + "allocator_may_return_null=1:max_allocation_size_mb=" +
                                       QString::number(std::max(1ull, maxBytes >> 20)));
        p.setProcessEnvironment(env);
        p.start(program, args);
        return finish(p, program, {});
    }
    const int resource = cap == MemoryCap::Data ? RLIMIT_DATA : RLIMIT_AS;
    p.setChildProcessModifier([maxBytes, resource] {
        const rlimit limit{maxBytes, maxBytes};
        setrlimit(resource, &limit); // async-signal-safe, as the modifier must be
    });
    p.start(program, args);
    return finish(p, program, {});
}

void verifyCleanError(const CliRun& r, int expectedCode, const char* mention)
{
    QCOMPARE(r.exitCode, expectedCode);
    QVERIFY2(r.err.startsWith("rwkv-cli: error: "), r.err.constData());
    QCOMPARE(r.err.count('\n'), 1);
    QVERIFY2(r.err.contains(mention), r.err.constData());
}

} // namespace rwkv::test
