#pragma once
// The "Get a model" page's backend (app.downloads): the catalog of official models with, for
// each, whether its file is here, half downloaded (.part) or kept aside as broken (.bad); one
// download at a time through core/pull (the code of `rwkv-cli pull`) on a pool thread, with
// progress, Cancel and resume; and where each model would fit (core/auto_strategy.h
// catalogFit: a GPU in fp16, int8 or q4, else the CPU in bf16, int8 or q4). Lives on the UI thread and never waits on disk or network: the catalog, the files'
// states and the download are read on a pool thread and come back as queued calls.
#include "ui/device_list_model.h"

#include <QObject>
#include <QThreadPool>
#include <QVariantList>
#include <QVariantMap>

#include <atomic>
#include <filesystem>
#include <memory>

class ModelDownloads : public QObject {
    Q_OBJECT
    // One map per catalog model: name, title, generation, parameters, size, sizeConfirmed,
    // license, verifiable (a sha256 is known), path (where the file goes), state ("absent",
    // "partial", "downloading", "ready"), partBytes (in its .part), bad (a FILE.bad is kept
    // aside), error (of its last download; empty when none), verified (sha256 checked).
    Q_PROPERTY(QVariantList models READ models NOTIFY modelsChanged)
    // The catalog's name of the model downloading; empty when none.
    Q_PROPERTY(QString active READ active NOTIFY activeChanged)
    // Of the active download: done and total (bytes; total 0 when unknown), speed (bytes/s),
    // secondsLeft (-1 when unknown).
    Q_PROPERTY(QVariantMap progress READ progress NOTIFY progressChanged)
    // Why the catalog could not be read; empty when it was.
    Q_PROPERTY(QString catalogError READ catalogError NOTIFY modelsChanged)
    // The URL the catalog was last refreshed from (remembered in the settings by the controller).
    Q_PROPERTY(QString catalogUrl READ catalogUrl WRITE setCatalogUrl NOTIFY catalogUrlChanged)
    // Of the last refresh from a URL: "" (none yet), "refreshing", "done" or "failed".
    Q_PROPERTY(QString catalogRefresh READ catalogRefresh NOTIFY catalogRefreshChanged)
    // Why the last refresh from a URL failed; empty when it did not.
    Q_PROPERTY(QString catalogRefreshError READ catalogRefreshError NOTIFY catalogRefreshChanged)
    Q_PROPERTY(QString modelsFolder READ modelsFolder CONSTANT)
    // The GPUs a model could go to: one map per available GPU, id and freeBytes (from the
    // worker's device listing, setDevices).
    Q_PROPERTY(QVariantList gpuOffers READ gpuOffers NOTIFY gpuOffersChanged)
    Q_PROPERTY(double fitShare READ fitShare CONSTANT)

public:
    // The catalog in use is refreshedCatalog once a refresh has written it, else catalogFile.
    ModelDownloads(std::filesystem::path catalogFile, std::filesystem::path refreshedCatalog, std::filesystem::path modelsDir,
                   QObject* parent = nullptr);
    // Stops the download in progress (its .part kept) and waits for the pool thread.
    ~ModelDownloads() override;

    QVariantList models() const { return m_models; }
    QString active() const { return m_active; }
    QVariantMap progress() const { return m_progress; }
    QString catalogError() const { return m_catalogError; }
    QString catalogUrl() const { return m_catalogUrl; }
    void setCatalogUrl(const QString& url);
    QString catalogRefresh() const { return m_catalogRefresh; }
    QString catalogRefreshError() const { return m_catalogRefreshError; }
    QString modelsFolder() const;
    QVariantList gpuOffers() const { return m_gpuOffers; }
    // The worker's device listing: its available GPUs with their free memory become gpuOffers.
    void setDevices(const QList<DeviceRow>& rows);
    double fitShare() const;

    // Reads the catalog and the files' states again (off the UI thread).
    Q_INVOKABLE void refresh();
    // Downloads the catalog at catalogUrl (core/pull/catalog_refresh.h) off the UI thread; once
    // it parses it replaces the one in use and the page shows it, else catalogRefreshError says
    // why and the previous catalog stays.
    Q_INVOKABLE void refreshCatalog();
    // Downloads the catalog model `name`, continuing its .part when there is one; ignored while
    // another download runs.
    Q_INVOKABLE void download(const QString& name);
    // Stops the active download; its .part is kept for the next download() to continue.
    Q_INVOKABLE void cancel();
    // Bytes of `parameters` weights at `precision` (fp32, bf16, fp16, int8, q4); 0 for another name.
    Q_INVOKABLE double weightBytes(double parameters, const QString& precision) const;
    // Estimated weight bytes of the checkpoint at `path` (a local file) at each CPU precision
    // (fp32, bf16, fp16, int8, q4 → bytes), from its header (core/memory_estimate.h). Empty
    // when it cannot be read.
    Q_INVOKABLE QVariantMap fileWeightBytes(const QString& path) const;
    // What the checkpoint at `path` would take under `strategy` (core/memory_estimate.h: weights,
    // a state, working buffers) per device, e.g. "cpu ≈ 491 MiB (22.3 GiB free), vulkan:0 ≈
    // 310 MiB"; the CPU's part is said not to fit beyond rwkv::kFitShare of the available memory.
    // Empty for "auto", an unreadable file or a strategy that does not parse.
    Q_INVOKABLE QString fileMemoryText(const QString& path, const QString& strategy) const;
    // Where a model of `parameters` fits now, against `gpus` (gpuOffers, passed so a binding
    // follows it) and the host's available memory: device, precision, fits, and text
    // ("fits vulkan:0 as fp16", "fits the CPU as bf16", "the CPU as q4 only", "does not fit").
    Q_INVOKABLE QVariantMap fit(double parameters, const QVariantList& gpus) const;

signals:
    void modelsChanged();
    void gpuOffersChanged();
    void catalogRefreshChanged();
    void catalogUrlChanged();
    void activeChanged();
    void progressChanged();
    // A download ended: ok with the model's file, or not (error says why; empty when cancelled).
    void downloadFinished(const QString& name, bool ok, const QString& path, const QString& error);

private:
    void setRow(const QVariantMap& row);
    void onProgress(double done, double total, double speed);
    void onFinished(const QVariantMap& row, bool ok, const QString& error);

    std::filesystem::path m_catalogFile, m_refreshedCatalog, m_modelsDir;
    QString m_catalogUrl, m_catalogRefresh, m_catalogRefreshError;
    QVariantList m_gpuOffers;
    QVariantList m_models;
    QString m_active;
    QVariantMap m_progress;
    QString m_catalogError;
    std::shared_ptr<std::atomic<bool>> m_cancel; // of the active download
    QThreadPool m_pool;                           // last: waited for first
};
