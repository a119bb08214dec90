#include "app/main_window.h"

#include <QQuickStyle>

void useSystemStyle()
{
    // Fusion draws with the platform palette, so a dark desktop gives a dark window; the
    // Basic style would stay light.
    QQuickStyle::setStyle(QStringLiteral("Fusion"));
}

QQuickWindow* loadMainWindow(QQmlApplicationEngine& engine, AppController& controller)
{
    engine.setInitialProperties({{QStringLiteral("app"), QVariant::fromValue(&controller)}});
    engine.load(QUrl(QStringLiteral("qrc:/qt/qml/RwkvDesktop/Main.qml")));
    if (engine.rootObjects().isEmpty()) return nullptr;
    return qobject_cast<QQuickWindow*>(engine.rootObjects().constFirst());
}
