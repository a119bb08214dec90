#include "app/model_downloads.h"

#include "core/auto_strategy.h"
#include "core/checkpoint.h"
#include "core/dtype.h"
#include "core/error.h"
#include "core/format_bytes.h"
#include "core/memory_estimate.h"
#include "core/model_catalog.h"
#include "core/model_config.h"
#include "core/process_memory.h"
#include "core/pull/catalog_refresh.h"
#include "core/pull/model_pull.h"
#include "core/strategy.h"
#include "core/utf8_path.h"

#include <QDir>

#include <chrono>
#include <exception>
#include <optional>

namespace {

// Progress updates sent to the UI thread at most this often.
constexpr auto kProgressInterval = std::chrono::milliseconds(200);

QString text(const std::string& s) { return QString::fromStdString(s); }
QString pathText(const std::filesystem::path& p) { return text(rwkv::pathToUtf8(p)); }

// What the page shows of `entry` and its files in `dir`. Reads the disk: pool thread only.
QVariantMap scanRow(const rwkv::CatalogEntry& entry, const std::filesystem::path& dir)
{
    const rwkv::PullFiles files = rwkv::pullFiles(dir, entry.fileName());
    std::error_code ec;
    const bool ready = std::filesystem::exists(files.file, ec);
    const auto partBytes = std::filesystem::file_size(files.part, ec);
    const bool partial = !ec;
    return {
        {QStringLiteral("name"), text(entry.name)},
        {QStringLiteral("title"), text(entry.title)},
        {QStringLiteral("generation"), text(entry.generation)},
        {QStringLiteral("parameters"), double(entry.parameters)},
        {QStringLiteral("size"), double(entry.size)},
        {QStringLiteral("sizeConfirmed"), entry.sizeConfirmed},
        {QStringLiteral("license"), text(entry.license)},
        {QStringLiteral("verifiable"), entry.sha256.has_value()},
        {QStringLiteral("path"), pathText(files.file)},
        {QStringLiteral("state"), ready ? QStringLiteral("ready") : partial ? QStringLiteral("partial") : QStringLiteral("absent")},
        {QStringLiteral("partBytes"), partial ? double(partBytes) : 0.0},
        {QStringLiteral("bad"), std::filesystem::exists(files.bad, ec)},
        {QStringLiteral("error"), QString()},
        {QStringLiteral("verified"), false},
    };
}

} // namespace

ModelDownloads::ModelDownloads(std::filesystem::path catalogFile, std::filesystem::path refreshedCatalog,
                               std::filesystem::path modelsDir, QObject* parent)
    : QObject(parent), m_catalogFile(std::move(catalogFile)), m_refreshedCatalog(std::move(refreshedCatalog)),
      m_modelsDir(std::move(modelsDir))
{
    m_pool.setMaxThreadCount(2); // a refresh does not wait behind a download
}

ModelDownloads::~ModelDownloads()
{
    if (m_cancel) *m_cancel = true;
    m_pool.waitForDone();
}

QString ModelDownloads::modelsFolder() const { return pathText(m_modelsDir); }

void ModelDownloads::refresh()
{
    m_pool.start([this, shipped = m_catalogFile, refreshed = m_refreshedCatalog, dir = m_modelsDir] {
        QVariantList rows;
        QString error;
        try {
            const rwkv::ModelCatalog catalog = rwkv::ModelCatalog::load(rwkv::catalogInUse(shipped, refreshed));
            for (const rwkv::CatalogEntry& entry : catalog.entries()) rows.append(scanRow(entry, dir));
        } catch (const std::exception& e) {
            error = text(e.what());
        }
        QMetaObject::invokeMethod(this, [this, rows, error] {
            // Keeps what the page knows of a download that runs or failed.
            QVariantList merged = rows;
            for (QVariant& v : merged) {
                QVariantMap row = v.toMap();
                for (const QVariant& old : std::as_const(m_models)) {
                    const QVariantMap before = old.toMap();
                    if (before.value(QStringLiteral("name")) != row.value(QStringLiteral("name"))) continue;
                    if (before.value(QStringLiteral("state")).toString() == u"downloading") row = before;
                    else row[QStringLiteral("error")] = before.value(QStringLiteral("error"));
                }
                v = row;
            }
            m_models = merged;
            m_catalogError = error;
            emit modelsChanged();
        }, Qt::QueuedConnection);
    });
}

void ModelDownloads::setCatalogUrl(const QString& url)
{
    if (url.trimmed() == m_catalogUrl) return;
    m_catalogUrl = url.trimmed();
    emit catalogUrlChanged();
}

void ModelDownloads::refreshCatalog()
{
    if (m_catalogRefresh == u"refreshing" || m_catalogUrl.isEmpty()) return;
    m_catalogRefresh = QStringLiteral("refreshing");
    m_catalogRefreshError.clear();
    emit catalogRefreshChanged();
    m_pool.start([this, url = m_catalogUrl.toStdString(), file = m_refreshedCatalog] {
        QString error;
        try {
            rwkv::refreshCatalog(url, file);
        } catch (const std::exception& e) {
            error = text(e.what());
        }
        QMetaObject::invokeMethod(this, [this, error] {
            m_catalogRefresh = error.isEmpty() ? QStringLiteral("done") : QStringLiteral("failed");
            m_catalogRefreshError = error;
            emit catalogRefreshChanged();
            if (error.isEmpty()) refresh();
        }, Qt::QueuedConnection);
    });
}

void ModelDownloads::download(const QString& name)
{
    if (!m_active.isEmpty()) return;
    QVariantMap row;
    for (const QVariant& v : std::as_const(m_models))
        if (v.toMap().value(QStringLiteral("name")) == name) row = v.toMap();
    if (row.isEmpty()) return;
    m_active = name;
    m_cancel = std::make_shared<std::atomic<bool>>(false);
    m_progress = {{QStringLiteral("done"), row.value(QStringLiteral("partBytes"))},
                  {QStringLiteral("total"), row.value(QStringLiteral("sizeConfirmed")).toBool() ? row.value(QStringLiteral("size")) : 0.0},
                  {QStringLiteral("speed"), 0.0},
                  {QStringLiteral("secondsLeft"), -1.0}};
    row[QStringLiteral("state")] = QStringLiteral("downloading");
    row[QStringLiteral("error")] = QString();
    setRow(row);
    emit activeChanged();
    emit progressChanged();

    m_pool.start([this, catalogFile = rwkv::catalogInUse(m_catalogFile, m_refreshedCatalog), dir = m_modelsDir,
                  target = name.toStdString(), cancel = m_cancel] {
        QVariantMap result;
        QString error;
        bool ok = false, verified = false;
        std::optional<rwkv::ModelCatalog> catalog;
        try {
            catalog = rwkv::ModelCatalog::load(catalogFile);
            const rwkv::PullSource source = rwkv::pullSource(target, *catalog);
            rwkv::PullOptions options;
            options.interrupted = cancel.get();
            auto last = std::chrono::steady_clock::time_point{};
            options.progress = [&](uint64_t done, std::optional<uint64_t> total, double speed) {
                const auto now = std::chrono::steady_clock::now();
                if (now - last < kProgressInterval) return;
                last = now;
                QMetaObject::invokeMethod(this, [this, done = double(done), all = double(total.value_or(0)), speed] {
                    onProgress(done, all, speed);
                }, Qt::QueuedConnection);
            };
            options.note = [](const std::string&) {}; // the page shows states, not a log
            verified = rwkv::pullModel(source, dir, options).verified;
            ok = true;
        } catch (const rwkv::Error& e) {
            if (e.code() != rwkv::ErrorCode::Cancelled) error = text(e.what());
        } catch (const std::exception& e) {
            error = text(e.what());
        }
        if (catalog)
            if (const rwkv::CatalogEntry* entry = catalog->find(target)) result = scanRow(*entry, dir);
        result[QStringLiteral("verified")] = verified;
        QMetaObject::invokeMethod(this, [this, result, ok, error] { onFinished(result, ok, error); }, Qt::QueuedConnection);
    });
}

void ModelDownloads::cancel()
{
    if (m_cancel) *m_cancel = true;
}

double ModelDownloads::weightBytes(double parameters, const QString& precision) const
{
    try {
        const rwkv::DType type = rwkv::parsePrecision(precision.toStdString());
        return double(rwkv::storageBytes(type, size_t(parameters)));
    } catch (const rwkv::Error&) {
        return 0;
    }
}

QVariantMap ModelDownloads::fileWeightBytes(const QString& path) const
{
    if (path.isEmpty() || path.contains(QStringLiteral("://"))) return {};
    try {
        const rwkv::ModelConfig c = rwkv::detectModelConfig(rwkv::Checkpoint::open(rwkv::pathFromUtf8(path.toStdString())));
        QVariantMap bytes;
        for (const char* p : rwkv::kPrecisionNames)
            bytes.insert(QLatin1String(p), double(rwkv::estimatedWeightBytes(c, rwkv::parsePrecision(p))));
        return bytes;
    } catch (const std::exception&) { // rwkv::Error, or a filesystem error
        return {};
    }
}

QString ModelDownloads::fileMemoryText(const QString& path, const QString& strategy) const
{
    if (path.isEmpty() || path.contains(QStringLiteral("://")) || strategy.trimmed() == QStringLiteral("auto")) return {};
    try {
        const rwkv::ModelConfig c = rwkv::detectModelConfig(rwkv::Checkpoint::open(rwkv::pathFromUtf8(path.toStdString())));
        QStringList parts;
        for (const rwkv::DeviceMemory& m : rwkv::estimateMemory(c, rwkv::parseStrategy(strategy.toStdString()))) {
            QString part = tr("%1 ≈ %2").arg(QString::fromStdString(m.device), QString::fromStdString(rwkv::formatBytes(int64_t(m.total()))));
            if (m.device == "cpu") {
                const int64_t available = rwkv::availableMemoryBytes();
                part += double(m.total()) > rwkv::kFitShare * double(available)
                            ? tr(" — does not fit, %1 free").arg(QString::fromStdString(rwkv::formatBytes(available)))
                            : tr(" (%1 free)").arg(QString::fromStdString(rwkv::formatBytes(available)));
            }
            parts << part;
        }
        return parts.join(QStringLiteral(", "));
    } catch (const std::exception&) { // rwkv::Error, or a filesystem error
        return {};
    }
}

void ModelDownloads::setDevices(const QList<DeviceRow>& rows)
{
    QVariantList gpus; // the CPU's memory is read when a fit is asked for
    for (const DeviceRow& d : rows)
        if (d.available && d.freeBytes > 0 && d.id != u"cpu" && d.id != u"auto")
            gpus.append(QVariantMap{{QStringLiteral("id"), d.id}, {QStringLiteral("freeBytes"), d.freeBytes}});
    if (gpus == m_gpuOffers) return;
    m_gpuOffers = gpus;
    emit gpuOffersChanged();
}

double ModelDownloads::fitShare() const { return rwkv::kFitShare; }

QVariantMap ModelDownloads::fit(double parameters, const QVariantList& gpus) const
{
    std::vector<rwkv::DeviceOffer> offers{{"cpu", "cpu", rwkv::availableMemoryBytes()}};
    for (const QVariant& g : gpus) {
        const QVariantMap m = g.toMap();
        offers.push_back({m.value(QStringLiteral("id")).toString().toStdString(), {},
                          int64_t(m.value(QStringLiteral("freeBytes")).toDouble())});
    }
    const rwkv::CatalogFit f = rwkv::catalogFit(int64_t(parameters), offers);
    const QString device = QString::fromStdString(f.device);
    const QString precision = QString::fromLatin1(rwkv::dtypeName(f.precision));
    QString text = !f.fits                        ? tr("does not fit")
                   : device != QStringLiteral("cpu") ? tr("fits %1 as %2").arg(device, precision)
                   : f.precision == rwkv::DType::BF16 ? tr("fits the CPU as bf16")
                                                      : tr("the CPU as %1 only").arg(precision);
    return {{QStringLiteral("device"), device},
            {QStringLiteral("precision"), precision},
            {QStringLiteral("fits"), f.fits},
            {QStringLiteral("text"), text}};
}

void ModelDownloads::setRow(const QVariantMap& row)
{
    for (QVariant& v : m_models)
        if (v.toMap().value(QStringLiteral("name")) == row.value(QStringLiteral("name"))) v = row;
    emit modelsChanged();
}

void ModelDownloads::onProgress(double done, double total, double speed)
{
    if (m_active.isEmpty()) return;
    m_progress = {{QStringLiteral("done"), done},
                  {QStringLiteral("total"), total},
                  {QStringLiteral("speed"), speed},
                  {QStringLiteral("secondsLeft"), total > done && speed > 0 ? (total - done) / speed : -1.0}};
    emit progressChanged();
}

void ModelDownloads::onFinished(const QVariantMap& row, bool ok, const QString& error)
{
    const QString name = std::exchange(m_active, {});
    m_cancel.reset();
    QVariantMap updated = row;
    if (updated.isEmpty()) { // the catalog could not be read again: the row as it was, stopped
        for (const QVariant& v : std::as_const(m_models))
            if (v.toMap().value(QStringLiteral("name")) == name) updated = v.toMap();
        updated[QStringLiteral("state")] = QStringLiteral("absent");
    }
    updated[QStringLiteral("error")] = error;
    setRow(updated);
    m_progress.clear();
    emit activeChanged();
    emit progressChanged();
    emit downloadFinished(name, ok, row.value(QStringLiteral("path")).toString(), error);
}
