#pragma once
// What the app remembers between runs, in QSettings (organisation empty, application
// "rwkv-desktop"): window geometry and text size, the last conversation, the model and its strategy,
// recently opened models, the chat settings new conversations start with, the local API
// server switch and the catalog's URL.
#include <QRect>
#include <QSettings>
#include <QStringList>
#include <QVariantMap>

class AppSettings {
public:
    // Reads and writes `settings`, which must outlive this object.
    explicit AppSettings(QSettings& settings) : m_settings(settings) {}

    QRect windowGeometry() const;
    void setWindowGeometry(const QRect& geometry);
    bool windowMaximized() const;
    void setWindowMaximized(bool maximized);
    // The text size factor (Ctrl+= / Ctrl+- / Ctrl+0): kMinZoom..kMaxZoom, default 1.
    double zoom() const;
    void setZoom(double zoom);

    // 0 when none.
    qint64 lastConversation() const;
    void setLastConversation(qint64 id);

    // Empty when none was chosen (then the bundled demo model).
    QString modelPath() const;
    QString deviceId() const;   // default "auto" (backends/automatic_strategy.h)
    QString precision() const;  // default: the device's (cpu and auto fp32, GPUs fp16)
    int threads() const;        // 0 = all cores
    // A full strategy typed by the user (layer splits, "cuda fp16 *10 -> cpu fp32"); empty
    // when the device and precision above are the strategy.
    QString customStrategy() const;
    void setModel(const QString& path, const QString& deviceId, const QString& precision, int threads,
                  const QString& customStrategy);

    // Newest first, at most kMaxRecent.
    QStringList recentModels() const;
    void addRecentModel(const QString& path);

    // The local API server: off by default, port 8000.
    bool apiServerEnabled() const;
    int apiServerPort() const;
    void setApiServer(bool enabled, int port);

    // Where "Get a model" refreshes its catalog from; empty until one was given.
    QString catalogUrl() const;
    void setCatalogUrl(const QString& url);

    QVariantMap newChatSettings() const;
    void setNewChatSettings(const QVariantMap& settings);

    static constexpr int kMaxRecent = 8;
    static constexpr double kMinZoom = 0.7, kMaxZoom = 2.0;

private:
    QSettings& m_settings;
};
