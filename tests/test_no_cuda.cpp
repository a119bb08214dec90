// The CUDA backend is a plugin: rwkv-cli (and the app) link no CUDA library and run where
// there is no NVIDIA driver or no CUDA library at all. Real processes, as a user runs them.
#include "backends/registry.h"
#include "support/test_support.h"

#include <QProcess>
#include <QProcessEnvironment>
#include <QTemporaryDir>
#include <QTest>

#include <elf.h>

#include <cstring>
#include <fstream>
#include <iterator>

namespace {

struct Run {
    int exitCode = -1;
    QByteArray out, err;
};

Run cli(const QStringList& args, const QString& pluginPath = {})
{
    QProcess p;
    if (!pluginPath.isEmpty()) {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("RWKV_CUDA_PLUGIN"), pluginPath);
        p.setProcessEnvironment(env);
    }
    p.start(QString::fromStdString((rwkv::test::binDir() / "rwkv-cli").string()), args);
    if (!p.waitForFinished(300000)) qFatal("rwkv-cli did not finish");
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAllStandardOutput(),
            p.readAllStandardError()};
}

// The cuda:0 line of `rwkv-cli devices`.
QByteArray cudaLine(const Run& r)
{
    for (const QByteArray& line : r.out.split('\n'))
        if (line.startsWith("cuda:0 ")) return line;
    return {};
}

// DT_NEEDED entries of a 64-bit little-endian ELF file, read from its section headers.
QStringList neededLibraries(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    Elf64_Ehdr eh{};
    if (bytes.size() < sizeof(eh)) return {QStringLiteral("<not an ELF file>")};
    std::memcpy(&eh, bytes.data(), sizeof(eh));
    if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64)
        return {QStringLiteral("<not an ELF64 file>")};
    auto section = [&](size_t i) {
        Elf64_Shdr sh{};
        std::memcpy(&sh, bytes.data() + eh.e_shoff + i * eh.e_shentsize, sizeof(sh));
        return sh;
    };
    QStringList out;
    for (size_t i = 0; i < eh.e_shnum; ++i) {
        const Elf64_Shdr dyn = section(i);
        if (dyn.sh_type != SHT_DYNAMIC) continue;
        const Elf64_Shdr strtab = section(dyn.sh_link);
        for (size_t off = 0; off + sizeof(Elf64_Dyn) <= dyn.sh_size; off += sizeof(Elf64_Dyn)) {
            Elf64_Dyn d{};
            std::memcpy(&d, bytes.data() + dyn.sh_offset + off, sizeof(d));
            if (d.d_tag == DT_NULL) break;
            if (d.d_tag == DT_NEEDED) out << QString::fromLatin1(bytes.data() + strtab.sh_offset + d.d_un.d_val);
        }
    }
    return out;
}

bool cudaAvailable()
{
    for (const rwkv::DeviceInfo& d : rwkv::listDevices())
        if (d.id.rfind("cuda:", 0) == 0 && d.available) return true;
    return false;
}

} // namespace

class TestNoCuda : public QObject {
    Q_OBJECT

private slots:
    void programsLinkNoCudaLibrary()
    {
        int checked = 0;
        for (const char* program : {"rwkv-cli", "rwkv-desktop"}) {
            const std::filesystem::path path = rwkv::test::binDir() / program;
            if (!std::filesystem::exists(path)) continue; // the app is optional (RWKV_BUILD_APP)
            const QStringList needed = neededLibraries(path.string());
            QVERIFY2(!needed.isEmpty(), program);
            for (const QString& lib : needed)
                QVERIFY2(!lib.startsWith("libcuda") && !lib.startsWith("libcublas") && !lib.startsWith("libnvidia"),
                         qPrintable(QStringLiteral("%1 needs %2").arg(QLatin1String(program), lib)));
            ++checked;
        }
        QVERIFY(checked >= 1);
    }

    // The plugin carries the CUDA runtime itself and finds the driver at run time.
    void pluginNeedsNoDriverLibrary()
    {
        const std::filesystem::path plugin = rwkv::test::binDir().parent_path() / "lib" / "librwkv_cuda.so";
        if (!std::filesystem::exists(plugin)) QSKIP("the CUDA plugin is not built (no nvcc at build time)");
        const QStringList needed = neededLibraries(plugin.string());
        QVERIFY(needed.contains(QStringLiteral("libc.so.6")));
        for (const QString& lib : needed)
            QVERIFY2(!lib.startsWith("libcuda") && !lib.startsWith("libcudart"), qPrintable(lib));
    }

    void devicesListCudaWithReason()
    {
        const Run r = cli({"devices"});
        QCOMPARE(r.exitCode, 0);
        const QByteArray line = cudaLine(r);
        QVERIFY2(!line.isEmpty(), r.out.constData());
        QVERIFY2(line.simplified().split(' ').size() >= 3, line.constData()); // id, availability, description
        if (!cudaAvailable()) QVERIFY2(line.contains(" unavailable "), line.constData());
        QVERIFY2(r.out.startsWith("cpu "), r.out.constData());
    }

    // A missing plugin, or a file that is no plugin, is a reason, not a crash.
    void brokenPluginIsAReason()
    {
        QTemporaryDir dir;
        const QString bogus = dir.filePath(QStringLiteral("librwkv_cuda.so"));
        QFile f(bogus);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("not a shared library\n");
        f.close();
        const Run missing = cli({"devices"}, dir.filePath(QStringLiteral("absent.so")));
        QCOMPARE(missing.exitCode, 0);
        QVERIFY2(cudaLine(missing).contains("unavailable") && cudaLine(missing).contains("not found"), missing.out.constData());
        const Run broken = cli({"devices"}, bogus);
        QCOMPARE(broken.exitCode, 0);
        QVERIFY2(cudaLine(broken).contains("cannot be loaded"), broken.out.constData());
        const Run gen = cli({"generate", "--device", "cuda:0", "--prompt", "Hi", "--max-tokens", "2"}, bogus);
        QVERIFY(gen.exitCode > 0);
        QVERIFY2(gen.err.startsWith("rwkv-cli: ") && gen.err.count('\n') == 1, gen.err.constData());
    }

    void generateOnCpuWorks()
    {
        const Run r = cli({"generate", "--device", "cpu", "--prompt", "Hello", "--max-tokens", "4", "--temperature", "0"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(!r.out.trimmed().isEmpty(), r.err.constData());
    }

    void unavailableCudaFailsInOneLine()
    {
        if (cudaAvailable()) QSKIP("a CUDA device is present; this checks machines without one");
        const Run r = cli({"generate", "--device", "cuda:0", "--prompt", "Hello", "--max-tokens", "4"});
        QVERIFY(r.exitCode > 0);
        QVERIFY2(r.err.startsWith("rwkv-cli: ") && r.err.count('\n') == 1, r.err.constData());
        QVERIFY2(r.err.contains("cuda:0") && r.err.contains("unavailable"), r.err.constData());
        QVERIFY(r.out.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestNoCuda)
#include "test_no_cuda.moc"
