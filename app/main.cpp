// rwkv-desktop: the composition root. Builds the settings, the controller (which owns the
// inference worker thread) and the QML window, then runs the event loop.
#include "app/app_controller.h"
#include "app/main_window.h"
#include "backends/automatic_strategy.h"
#include "core/model_catalog.h"
#include "core/paths.h"

#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QGuiApplication>
#include <QSettings>
#include <QStandardPaths>

int main(int argc, char** argv)
{
    // Organisation empty and application "rwkv-desktop": QStandardPaths then gives the same
    // data folder as the core's userDataDir() (~/.local/share/rwkv-desktop), shared with rwkv-cli.
    QGuiApplication::setOrganizationName(QString());
    QGuiApplication::setApplicationName(QStringLiteral("rwkv-desktop"));
    QGuiApplication::setApplicationDisplayName(QStringLiteral("RWKV Desktop"));
    QGuiApplication::setApplicationVersion(QStringLiteral(RWKV_DESKTOP_VERSION));
    QGuiApplication::setDesktopFileName(QStringLiteral("rwkv-desktop"));
    QGuiApplication app(argc, argv);

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Runs RWKV language models locally."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption modelOption(QStringLiteral("model"), QStringLiteral("Open this .pth or .safetensors model."),
                                         QStringLiteral("file"));
    const QCommandLineOption databaseOption(QStringLiteral("database"),
                                            QStringLiteral("Keep conversations in this SQLite file."), QStringLiteral("file"));
    parser.addOption(modelOption);
    parser.addOption(databaseOption);
    parser.addPositionalArgument(QStringLiteral("files"), QStringLiteral("Documents to read: .txt, .md or .pdf."),
                                 QStringLiteral("[files...]"));
    parser.process(app);

    const QString dataDir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    AppPaths paths;
    paths.database = parser.isSet(databaseOption) ? parser.value(databaseOption).toStdString()
                                                  : QDir(dataDir).filePath(QStringLiteral("rwkv-desktop.sqlite")).toStdString();
    paths.vocabDir = rwkv::vocabDir();
    paths.defaultModel = rwkv::defaultModelPath();
    paths.catalog = rwkv::defaultCatalogPath();
    paths.refreshedCatalog = rwkv::refreshedCatalogPath(); // shared with `rwkv-cli pull --catalog URL`
    paths.modelsDir = rwkv::userDataDir() / "models";  // where `rwkv-cli pull` puts them too
    paths.strategyChoices = rwkv::defaultStrategyChoicesFile(); // shared with `rwkv-cli --strategy auto`

    // ~/.config/rwkv-desktop/rwkv-desktop.conf (QSettings would say "Unknown Organization").
    QSettings settings(QSettings::IniFormat, QSettings::UserScope, QStringLiteral("rwkv-desktop"), QStringLiteral("rwkv-desktop"));
    AppController controller(paths, settings);
    useSystemStyle();
    QQmlApplicationEngine engine;
    if (!loadMainWindow(engine, controller)) return 1;
    controller.start(parser.value(modelOption));
    for (const QString& file : parser.positionalArguments())
        controller.openDocument(QUrl::fromLocalFile(QFileInfo(file).absoluteFilePath()));
    return QGuiApplication::exec();
}
