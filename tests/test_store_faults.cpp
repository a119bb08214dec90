// Faults where data lives, as a user meets them: a database with a damaged page (refused on
// open and left byte for byte as it was; `rwkv-cli store check` names the damage), a database
// locked by another process, a file write that hits the file-size limit (nothing replaced),
// and a model load that runs out of memory (one clear error line, never a crash).
#include "core/error.h"
#include "core/io/safetensors_writer.h"
#include "core/store/store.h"
#include "support/cli_run.h"
#include "support/session_helpers.h"
#include "support/test_support.h"

#include <QCryptographicHash>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <vector>

using namespace rwkv;
using rwkv::test::expectError;

namespace {

using rwkv::test::CliRun;
using rwkv::test::MemoryCap;

QString cliPath() { return QString::fromStdString((test::binDir() / "rwkv-cli").string()); }

QByteArray fileHash(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256);
}

// A database with enough conversations to span many pages; closed (WAL checkpointed) on return.
void fillDatabase(const std::string& path, int conversations)
{
    Store store(path);
    for (int i = 0; i < conversations; ++i) {
        const int64_t c = store.conversations().create("conversation " + std::to_string(i), {});
        store.conversations().addMessage(c, std::nullopt, MessageRole::User, std::string(3000, char('a' + i % 26)));
    }
}

// Overwrites `length` bytes at `offset` of the file.
void scribble(const QString& path, qint64 offset, int length)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadWrite));
    QVERIFY(f.seek(offset));
    QVERIFY(f.write(QByteArray(length, char(0x5a))) == length);
}

} // namespace

class TestStoreFaults : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;

private slots:
    void damagedPageIsRefusedAndLeftUntouched()
    {
        const QString path = m_dir.path() + "/damaged.sqlite";
        fillDatabase(path.toStdString(), 60);
        const CliRun sound = test::runCli(cliPath(), {"store", "check", "--db", path});
        QCOMPARE(sound.exitCode, 0);
        QVERIFY2(sound.out.contains(": ok"), sound.out.constData());

        // The header of a b-tree page in the middle of the file (pages are 4096 bytes).
        const qint64 pages = QFile(path).size() / 4096;
        QVERIFY(pages > 20);
        scribble(path, (pages / 2) * 4096, 64);
        const QByteArray before = fileHash(path);

        const Error e = expectError([&] { Store store(path.toStdString()); });
        QCOMPARE(e.code(), ErrorCode::Database);
        QVERIFY2(std::string(e.what()).find("damaged") != std::string::npos, e.what());
        QVERIFY2(std::string(e.what()).find("store check") != std::string::npos, e.what());
        QCOMPARE(fileHash(path), before);
        // No write-ahead log or journal was created beside it either.
        QVERIFY(!QFile::exists(path + "-wal"));

        const CliRun check = test::runCli(cliPath(), {"store", "check", "--db", path, "--json"});
        QCOMPARE(check.exitCode, 1);
        const auto report = nlohmann::json::parse(check.out.toStdString());
        QCOMPARE(report["ok"].get<bool>(), false);
        QVERIFY(!report["problems"].empty());
        QCOMPARE(fileHash(path), before);

        // Any other command on it is one clear error line, not a crash.
        test::verifyCleanError(test::runCli(cliPath(), {"conv", "list", "--db", path}), 1, "damaged");
    }

    void notADatabase()
    {
        const QString path = m_dir.path() + "/text.sqlite";
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray(8192, 'x'));
        f.close();
        test::verifyCleanError(test::runCli(cliPath(), {"store", "check", "--db", path}), 1, "not an RWKV Desktop database");
    }

    void lockedByAnotherProcess()
    {
        const QString path = m_dir.path() + "/locked.sqlite";
        fillDatabase(path.toStdString(), 2);
        // sqlite3's shell is not installed everywhere; a second rwkv-cli cannot hold a lock
        // open on demand either, so another process is a fork of this one holding a write lock.
        int ready[2];
        QVERIFY(pipe(ready) == 0);
        const pid_t child = fork();
        if (child == 0) {
            Database holder = Database::open(path.toStdString());
            holder.exec("BEGIN IMMEDIATE");
            holder.exec("INSERT INTO conversations (title, created_at, updated_at) VALUES ('held', 0, 0)");
            (void)!write(ready[1], "x", 1);
            ::pause(); // until killed
            _exit(0);
        }
        char byte = 0;
        QVERIFY(read(ready[0], &byte, 1) == 1);
        const CliRun r = test::runCli(cliPath(), {"conv", "rm", "1", "--db", path});
        ::kill(child, SIGKILL);
        int status = 0;
        waitpid(child, &status, 0);
        ::close(ready[0]);
        ::close(ready[1]);
        test::verifyCleanError(r, 1, "locked by another program");
        // The killed holder's transaction is rolled back; what was committed is all there.
        Store store(path.toStdString());
        QCOMPARE(store.conversations().list().size(), size_t(2));
    }

    void fileSizeLimitReplacesNothing()
    {
        const std::filesystem::path target = (m_dir.path() + "/state.safetensors").toStdString();
        const std::vector<float> small(16, 1.0f), big(1 << 20, 2.0f); // 64 B and 4 MiB
        auto tensor = [](const std::vector<float>& v) {
            const auto* b = reinterpret_cast<const std::byte*>(v.data());
            return std::vector<NamedTensor>{{"t", DType::F32, {int64_t(v.size())}, std::vector<std::byte>(b, b + v.size() * 4)}};
        };
        writeSafetensors(target, tensor(small));
        const QByteArray before = fileHash(QString::fromStdString(target.string()));

        rlimit old{};
        QVERIFY(getrlimit(RLIMIT_FSIZE, &old) == 0);
        const auto oldSignal = std::signal(SIGXFSZ, SIG_IGN); // EFBIG instead of a killed process
        rlimit capped = old;
        capped.rlim_cur = 1 << 20;
        QVERIFY(setrlimit(RLIMIT_FSIZE, &capped) == 0);
        const Error e = expectError([&] { writeSafetensors(target, tensor(big)); });
        setrlimit(RLIMIT_FSIZE, &old);
        std::signal(SIGXFSZ, oldSignal);

        QCOMPARE(e.code(), ErrorCode::Io);
        QVERIFY2(std::string(e.what()).find("disk is full or the file reached a size limit") != std::string::npos, e.what());
        QVERIFY2(std::string(e.what()).find("nothing was written") != std::string::npos, e.what());
        QCOMPARE(fileHash(QString::fromStdString(target.string())), before);
        QVERIFY(!std::filesystem::exists(target.string() + ".partial"));
    }

    void modelLoadOutOfMemory_data()
    {
        QTest::addColumn<QString>("strategy");
        QTest::addColumn<int>("capMiB");
        QTest::addColumn<int>("cap");
        // Address-space caps fail at different steps: mapping the 88 MiB file, the converted
        // weights, the scratch buffers; data caps leave the mapping and fail on the copies.
        for (const char* s : {"cpu fp32", "cpu bf16", "cpu int8"}) {
            for (int mib : {60, 110, 160})
                QTest::newRow(qPrintable(QString("%1 AS %2 MiB").arg(s).arg(mib))) << s << mib << int(MemoryCap::AddressSpace);
            QTest::newRow(qPrintable(QString("%1 data 40 MiB").arg(s))) << s << 40 << int(MemoryCap::Data);
        }
    }

    void modelLoadOutOfMemory()
    {
        if (test::kAddressSanitizer) QSKIP("tested outside the sanitizer build: ASan cannot start under a memory limit");
        QFETCH(QString, strategy);
        QFETCH(int, capMiB);
        QFETCH(int, cap);
        const QString model = m_dir.path() + "/random.st";
        if (!QFile::exists(model)) {
            const CliRun made = test::runCli(cliPath(), {"make-random", "--arch", "x070", "--layers", "4", "--width", "512",
                                                          "--vocab", "32768", "--out", model});
            QCOMPARE(made.exitCode, 0);
            // Without a cap the same command works, so a failure below is the cap's doing.
            const CliRun free = test::runCli(cliPath(), {"generate", "--model", model, "--strategy", "cpu fp32",
                                                          "--tokens", "1,2", "--max-tokens", "1", "--threads", "1"});
            QCOMPARE(free.exitCode, 0);
        }
        const CliRun r = test::runCliWithMemoryCap(
            cliPath(), {"generate", "--model", model, "--strategy", strategy, "--tokens", "1,2", "--max-tokens", "1", "--threads", "1"},
            (unsigned long long)capMiB << 20, MemoryCap(cap));
        test::verifyCleanError(r, 1, "memory");
    }
};

QTEST_GUILESS_MAIN(TestStoreFaults)
#include "test_store_faults.moc"
