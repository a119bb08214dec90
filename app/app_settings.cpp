#include "app/app_settings.h"

#include "app/chat_settings.h"

#include <algorithm>

QRect AppSettings::windowGeometry() const { return m_settings.value(QStringLiteral("window/geometry")).toRect(); }

void AppSettings::setWindowGeometry(const QRect& geometry) { m_settings.setValue(QStringLiteral("window/geometry"), geometry); }

bool AppSettings::windowMaximized() const { return m_settings.value(QStringLiteral("window/maximized"), false).toBool(); }

void AppSettings::setWindowMaximized(bool maximized) { m_settings.setValue(QStringLiteral("window/maximized"), maximized); }

double AppSettings::zoom() const
{
    return std::clamp(m_settings.value(QStringLiteral("window/zoom"), 1.0).toDouble(), kMinZoom, kMaxZoom);
}

void AppSettings::setZoom(double zoom) { m_settings.setValue(QStringLiteral("window/zoom"), std::clamp(zoom, kMinZoom, kMaxZoom)); }

qint64 AppSettings::lastConversation() const
{
    return m_settings.value(QStringLiteral("chat/lastConversation"), 0).toLongLong();
}

void AppSettings::setLastConversation(qint64 id) { m_settings.setValue(QStringLiteral("chat/lastConversation"), id); }

QString AppSettings::modelPath() const { return m_settings.value(QStringLiteral("model/path")).toString(); }

QString AppSettings::deviceId() const
{
    return m_settings.value(QStringLiteral("model/device"), QStringLiteral("auto")).toString();
}

QString AppSettings::precision() const
{
    const QString device = deviceId();
    const QString fallback = device.startsWith(u"cpu") || device == u"auto" ? QStringLiteral("fp32") : QStringLiteral("fp16");
    return m_settings.value(QStringLiteral("model/precision"), fallback).toString();
}

int AppSettings::threads() const { return m_settings.value(QStringLiteral("model/threads"), 0).toInt(); }

QString AppSettings::customStrategy() const { return m_settings.value(QStringLiteral("model/strategy")).toString(); }

void AppSettings::setModel(const QString& path, const QString& deviceId, const QString& precision, int threads,
                           const QString& customStrategy)
{
    m_settings.setValue(QStringLiteral("model/path"), path);
    m_settings.setValue(QStringLiteral("model/device"), deviceId);
    m_settings.setValue(QStringLiteral("model/precision"), precision);
    m_settings.setValue(QStringLiteral("model/threads"), threads);
    m_settings.setValue(QStringLiteral("model/strategy"), customStrategy);
}

QStringList AppSettings::recentModels() const { return m_settings.value(QStringLiteral("model/recent")).toStringList(); }

void AppSettings::addRecentModel(const QString& path)
{
    QStringList recent = recentModels();
    recent.removeAll(path);
    recent.prepend(path);
    while (recent.size() > kMaxRecent) recent.removeLast();
    m_settings.setValue(QStringLiteral("model/recent"), recent);
}

QVariantMap AppSettings::newChatSettings() const
{
    return normalizedChatSettings(m_settings.value(QStringLiteral("chat/newSettings")).toMap());
}

void AppSettings::setNewChatSettings(const QVariantMap& settings)
{
    m_settings.setValue(QStringLiteral("chat/newSettings"), normalizedChatSettings(settings));
}

bool AppSettings::apiServerEnabled() const { return m_settings.value(QStringLiteral("api/enabled"), false).toBool(); }

int AppSettings::apiServerPort() const { return m_settings.value(QStringLiteral("api/port"), 8000).toInt(); }

void AppSettings::setApiServer(bool enabled, int port)
{
    m_settings.setValue(QStringLiteral("api/enabled"), enabled);
    m_settings.setValue(QStringLiteral("api/port"), port);
}

QString AppSettings::catalogUrl() const { return m_settings.value(QStringLiteral("catalog/url")).toString(); }

void AppSettings::setCatalogUrl(const QString& url) { m_settings.setValue(QStringLiteral("catalog/url"), url); }
