#pragma once
// Builds the QML window around an AppController; shared by main() and the window tests.
#include "app/app_controller.h"

#include <QQmlApplicationEngine>
#include <QQuickWindow>

// Selects the Qt Quick Controls style that follows the system palette (light or dark).
// Call before the first QML engine is created.
void useSystemStyle();

// Loads Main.qml with `controller` as its `app` property. Returns the window, or nullptr
// after printing the QML errors.
QQuickWindow* loadMainWindow(QQmlApplicationEngine& engine, AppController& controller);
