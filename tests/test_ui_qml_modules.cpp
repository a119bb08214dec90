// The app's list of QML modules (ui/qml-modules.txt, which feeds tools/deps-debian.sh and the
// .deb's Depends) against the repository: every `import` of every .qml file is listed, every
// module whose need comes from another names a listed one, and each listed module imports on
// this machine (a module missing here is a package missing from the install).
#include "support/test_support.h"

#include <QDirIterator>
#include <QFile>
#include <QQmlComponent>
#include <QQmlEngine>
#include <QRegularExpression>
#include <QTest>

namespace {

struct ListedModule {
    QString package;
    QString neededBy;
};

QString sourceRoot() { return QString::fromStdString(rwkv::test::dataDir().parent_path().parent_path().string()); }

QMap<QString, ListedModule> readList()
{
    QMap<QString, ListedModule> modules;
    QFile file(sourceRoot() + QStringLiteral("/ui/qml-modules.txt"));
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text)) return modules;
    static const QRegularExpression row(QStringLiteral("^(\\S+)\\s+(\\S+)\\s+(.+)$"));
    for (const QString& line : QString::fromUtf8(file.readAll()).split(u'\n')) {
        if (line.startsWith(u'#') || line.trimmed().isEmpty()) continue;
        const QRegularExpressionMatch m = row.match(line.trimmed());
        if (m.hasMatch()) modules.insert(m.captured(1), {m.captured(2), m.captured(3)});
        else modules.insert(line.trimmed(), {});  // a malformed row: fails the package check
    }
    return modules;
}

// The .qml files of the repository (build trees and node_modules left out).
QStringList qmlFiles()
{
    QStringList files;
    QDirIterator it(sourceRoot(), {QStringLiteral("*.qml")}, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        const QString relative = QDir(sourceRoot()).relativeFilePath(path);
        if (relative.startsWith(QStringLiteral("build")) || relative.contains(QStringLiteral("node_modules"))
            || relative.startsWith(u'.'))
            continue;
        files.append(relative);
    }
    return files;
}

} // namespace

class TestUiQmlModules : public QObject {
    Q_OBJECT

private slots:
    void listIsWellFormed()
    {
        const QMap<QString, ListedModule> modules = readList();
        QVERIFY(modules.size() >= 4);
        for (auto it = modules.cbegin(); it != modules.cend(); ++it) {
            QVERIFY2(it->package.startsWith(QStringLiteral("qml6-module-")), qPrintable(it.key()));
            // An indirect need names a listed module (or a file of ours) that brings it in.
            const QString by = it->neededBy.section(u' ', 0, 0);
            QVERIFY2(modules.contains(by) || QFile::exists(sourceRoot() + u'/' + by),
                     qPrintable(it.key() + QStringLiteral(" needed by unknown ") + by));
        }
    }

    void everyImportIsListed()
    {
        const QMap<QString, ListedModule> modules = readList();
        const QStringList files = qmlFiles();
        QVERIFY(files.contains(QStringLiteral("ui/qml/Main.qml")));
        // Module imports only: quoted ones ("Format.js", ".") are files of the same module.
        static const QRegularExpression import(QStringLiteral("^\\s*import\\s+([A-Za-z_][\\w.]*)"),
                                               QRegularExpression::MultilineOption);
        int imports = 0;
        for (const QString& relative : files) {
            QFile file(sourceRoot() + u'/' + relative);
            QVERIFY(file.open(QIODevice::ReadOnly));
            auto it = import.globalMatch(QString::fromUtf8(file.readAll()));
            while (it.hasNext()) {
                const QString module = it.next().captured(1);
                ++imports;
                QVERIFY2(modules.contains(module), qPrintable(relative + QStringLiteral(" imports ") + module
                                                              + QStringLiteral(", missing from ui/qml-modules.txt")));
            }
        }
        QVERIFY(imports > files.size());
    }

    void everyListedModuleIsInstalled()
    {
        const QMap<QString, ListedModule> modules = readList();
        QStringList missing;
        for (auto it = modules.cbegin(); it != modules.cend(); ++it) {
            QQmlEngine engine;
            QQmlComponent component(&engine);
            component.setData(QStringLiteral("import QtQuick\nimport %1\nItem {}\n").arg(it.key()).toUtf8(), QUrl());
            if (component.isError())
                missing.append(it.key() + QStringLiteral(" (") + it->package + QStringLiteral("): ") + component.errorString());
        }
        QVERIFY2(missing.isEmpty(), qPrintable(QStringLiteral("run tools/deps-debian.sh; not importable:\n")
                                               + missing.join(u'\n')));
    }
};

QTEST_MAIN(TestUiQmlModules)
#include "test_ui_qml_modules.moc"
