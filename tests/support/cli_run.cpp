#include "support/cli_run.h"

#include <QProcess>
#include <QTest>

namespace rwkv::test {

CliRun runCli(const QString& program, const QStringList& args, const QByteArray& input, const QString& launcher)
{
    QProcess p;
    if (launcher.isEmpty()) p.start(program, args);
    else p.start(launcher, QStringList{program} + args);
    p.write(input);
    p.closeWriteChannel();
    if (!p.waitForFinished(300000)) qFatal("%s did not finish", qPrintable(program));
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAllStandardOutput(), p.readAllStandardError()};
}

void verifyCleanError(const CliRun& r, int expectedCode, const char* mention)
{
    QCOMPARE(r.exitCode, expectedCode);
    QVERIFY2(r.err.startsWith("rwkv-cli: error: "), r.err.constData());
    QCOMPARE(r.err.count('\n'), 1);
    QVERIFY2(r.err.contains(mention), r.err.constData());
}

} // namespace rwkv::test
