#pragma once
// rwkv-cli as a user runs it: a real process, its exit code and both output streams. Shared by
// the Linux CLI test and the Windows build's test, which runs rwkv-cli.exe under wine.
#include <QByteArray>
#include <QString>
#include <QStringList>

#include "support/sanitizer.h"

namespace rwkv::test {

struct CliRun {
    int exitCode = -1; // -1 after a crash
    QByteArray out, err;
};

// Runs `program args` with `input` on stdin; with a `launcher` (e.g. wine) that runs `program`.
CliRun runCli(const QString& program, const QStringList& args, const QByteArray& input = {}, const QString& launcher = {});

// Which limit runCliWithMemoryCap sets: writable memory (RLIMIT_DATA: heap and private
// mappings), or the whole address space (RLIMIT_AS: also the mapped model file and stacks).
enum class MemoryCap { Data, AddressSpace };

// runCli with the process's memory capped at `maxBytes`, so a run on hostile input fails fast
// instead of exhausting the machine, or a test can run out of memory on purpose. In the
// sanitizer build the cap is ASan's instead, on each allocation rather than the total (an
// allocation above it fails as out of memory).
CliRun runCliWithMemoryCap(const QString& program, const QStringList& args, unsigned long long maxBytes,
                           MemoryCap cap = MemoryCap::Data);

// A failure is exactly one line on stderr starting with "rwkv-cli: error: " that contains `mention`,
// exit code `expectedCode`, and no crash. Records a test failure otherwise.
void verifyCleanError(const CliRun& r, int expectedCode, const char* mention);

} // namespace rwkv::test
