#include "app/app_controller.h"

#include "app/chat_settings.h"
#include "core/process_memory.h"

#include <QClipboard>
#include <QFileInfo>
#include <QGuiApplication>

namespace {

// How often the meters sample memory and speed.
constexpr int kMeterIntervalMs = 1000;

} // namespace

AppController::AppController(AppPaths paths, QSettings& settings, QObject* parent)
    : QObject(parent), m_paths(std::move(paths)), m_settings(settings),
      m_worker(std::make_unique<InferenceWorker>(m_paths.database, m_paths.vocabDir, m_paths.strategyChoices)),
      m_downloads(m_paths.catalog, m_paths.refreshedCatalog, m_paths.modelsDir), m_search(m_paths.database, m_conversations, m_documents),
      m_transfer(*m_worker, [this](std::function<void(InferenceWorker&)> job) { post(Job::Other, std::move(job)); }),
      m_states(*m_worker, [this](std::function<void(InferenceWorker&)> job) { post(Job::Other, std::move(job)); },
               [this] { return m_chatSettings; }),
      m_storage(*m_worker, [this](std::function<void(InferenceWorker&)> job) { post(Job::Other, std::move(job)); })
{
    registerWorkerTypes();
    m_thread.setObjectName(QStringLiteral("inference"));
    m_worker->moveToThread(&m_thread);
    m_chatSettings = m_settings.newChatSettings();
    m_meters.setMemoryScale(QStringLiteral("RAM"), double(rwkv::systemMemoryBytes()));
    m_meterTimer.setInterval(kMeterIntervalMs);
    connect(&m_meterTimer, &QTimer::timeout, this, &AppController::sampleMeters);
    connect(&m_conversations, &ConversationListModel::dataChanged, this, &AppController::conversationChanged);
    connect(&m_transfer, &FileTransfer::conversationImported, this, &AppController::openConversation);
    connect(&m_states, &SavedStates::conversationStarted, this, &AppController::openConversation);
    m_downloads.setCatalogUrl(m_settings.catalogUrl());
    connect(&m_downloads, &ModelDownloads::catalogUrlChanged, this, [this] { m_settings.setCatalogUrl(m_downloads.catalogUrl()); });
    connect(&m_search, &SidebarSearch::failed, this, [this](const QString& why) { setError(tr("Search failed: %1").arg(why)); });
    connectWorker();
}

AppController::~AppController()
{
    // The job in progress sees the stop and returns; jobs still queued are dropped with the
    // event loop. The worker (model, store) is then destroyed here, its thread being over.
    m_stop.request_stop();
    m_thread.quit();
    m_thread.wait();
}

void AppController::connectWorker()
{
    InferenceWorker* w = m_worker.get();
    connect(w, &InferenceWorker::jobFinished, this, [this] {
        if (!m_jobs.isEmpty()) m_jobs.removeFirst();
        emit jobsChanged();
    });
    connect(w, &InferenceWorker::failed, this, [this](const QString& task, const QString& code, const QString& message) {
        // failed() comes before jobFinished(), so the failed job is still first in m_jobs.
        // When it is the last one queued, no conversation it was to create will be shown.
        if (m_jobs.size() <= 1) m_awaitingNewConversation = false;
        if (m_streamTarget && m_jobs.value(0) == Job::Generate) {
            m_streamTarget->dropPendingTurn();
            m_streamTarget = nullptr;
        }
        if (code == u"cancelled") {
            if (m_view == u"document" && m_documentId == 0) setView(QStringLiteral("chat"));
            m_ingest.clear();
            emit ingestChanged();
            return;
        }
        const QString what = task.isEmpty() ? task : task.front().toUpper() + task.mid(1);
        if (m_jobs.value(0) == Job::Load) {
            m_modelError = modelReady() ? tr("%1 failed: %2. Still using %3.").arg(what, message, m_model.value(QStringLiteral("name")).toString())
                                        : tr("%1 failed: %2").arg(what, message);
            emit modelChoiceChanged();
            setError(m_modelError);  // also the settings' model page's error
            return;
        }
        setError(tr("%1 failed: %2").arg(what, message));
    });
    connect(w, &InferenceWorker::modelLoadProgress, this, [this](double fraction) {
        m_modelLoadProgress = fraction;
        emit modelLoadProgressChanged();
    });
    connect(w, &InferenceWorker::modelKept, this, [this] {
        if (!m_replacedModel.isEmpty()) m_model = std::exchange(m_replacedModel, {});
        m_meters.setModelSizes(m_model.value(QStringLiteral("stateBytes")).toDouble(),
                               m_model.value(QStringLiteral("weightBytes")).toDouble());
        emit modelChanged();
    });
    connect(w, &InferenceWorker::modelLoaded, this, [this](const ModelInfo& info) {
        m_replacedModel.clear();
        m_states.refresh();  // which states the model can use
        m_model = {{QStringLiteral("path"), info.path},
                   {QStringLiteral("name"), QFileInfo(info.path).fileName()},
                   {QStringLiteral("description"), info.description},
                   {QStringLiteral("strategy"), info.strategy},
                   {QStringLiteral("strategyReason"), info.strategyReason},
                   {QStringLiteral("deviceName"), info.deviceName},
                   {QStringLiteral("tokenizer"), info.tokenizer},
                   {QStringLiteral("weightBytes"), double(info.weightBytes)},
                   {QStringLiteral("stateBytes"), double(info.stateBytes)},
                   {QStringLiteral("loadNs"), double(info.loadNs)},
                   {QStringLiteral("demo"), QFileInfo(info.path) == QFileInfo(defaultModelPath())}};
        // Remembered only once it loaded, so a bad choice is not retried at the next start.
        const QVariantMap& c = m_pendingModelChoice;
        m_settings.setModel(info.path, c.value(QStringLiteral("deviceId")).toString(),
                            c.value(QStringLiteral("precision")).toString(), c.value(QStringLiteral("threads")).toInt(),
                            c.value(QStringLiteral("strategy")).toString());
        m_settings.addRecentModel(info.path);
        m_meters.setModelSizes(double(info.stateBytes), double(info.weightBytes));
        // Process RAM until (and unless) the new model's device reports its own meter.
        m_deviceMemoryBytes = -1;
        m_meters.setMemoryScale(QStringLiteral("RAM"), double(rwkv::systemMemoryBytes()));
        emit modelChanged();
        emit modelChoiceChanged();
    });
    connect(w, &InferenceWorker::deviceMemory, this, [this](qint64 used, qint64 budget) {
        if (m_deviceMemoryBytes < 0) m_meters.setMemoryScale(QStringLiteral("VRAM"), double(budget));
        m_deviceMemoryBytes = used;
    });
    connectApiServer();
    connect(w, &InferenceWorker::devicesListed, this, [this](const QList<DeviceRow>& rows) {
        m_devices.setRows(rows);
        m_downloads.setDevices(rows);
    });
    connect(w, &InferenceWorker::conversationsListed, this, [this](const QList<ConversationRow>& rows) {
        m_conversations.setRows(rows);
        m_search.refresh();
        emit conversationChanged();
    });
    connect(w, &InferenceWorker::conversationShown, this, &AppController::setConversation);
    connect(w, &InferenceWorker::conversationDeleted, this, [this](qint64 id) {
        if (id == m_conversationId) newConversation();
    });
    connect(w, &InferenceWorker::textStreamed, this, &AppController::onStreamed);
    connect(w, &InferenceWorker::turnFinished, this, [this](const TurnStats& s) { onTurnFinished(s, true); });
    connect(w, &InferenceWorker::answerFinished, this, [this](const TurnStats& s) { onTurnFinished(s, false); });
    connect(w, &InferenceWorker::documentsListed, this, [this](const QList<DocumentRow>& rows) {
        m_documents.setRows(rows);
        m_search.refresh();
        emit documentChanged();
    });
    connect(w, &InferenceWorker::ingestProgress, this, [this](qint64 done, qint64 total, qint64 elapsedNs) {
        const double rate = elapsedNs > 0 ? double(done) * 1e9 / double(elapsedNs) : 0.0;
        m_ingest[QStringLiteral("tokensDone")] = double(done);
        m_ingest[QStringLiteral("tokensTotal")] = double(total);
        m_ingest[QStringLiteral("tokensPerSecond")] = rate;
        m_ingest[QStringLiteral("etaSeconds")] = rate > 0 ? double(total - done) / rate : -1.0;
        emit ingestChanged();
    });
    connect(w, &InferenceWorker::documentReady, this, [this](const DocumentRow& row, bool alreadyStored, qint64 readNs) {
        m_ingest.clear();
        m_ingest[QStringLiteral("lastReadNs")] = double(readNs);
        m_ingest[QStringLiteral("alreadyStored")] = alreadyStored;
        emit ingestChanged();
        showDocument(row.id);
    });
}

void AppController::start(const QString& modelPath)
{
    m_thread.start();
    m_clock.start();
    post(Job::Other, [](InferenceWorker& w) { w.openStore(); });
    post(Job::Other, [](InferenceWorker& w) { w.listDevices(); });
    const QVariantMap choice = modelChoice();
    loadModel(modelPath.isEmpty() ? choice.value(QStringLiteral("path")).toString() : modelPath, choice.value(QStringLiteral("deviceId")).toString(),
              choice.value(QStringLiteral("precision")).toString(), choice.value(QStringLiteral("threads")).toInt(),
              choice.value(QStringLiteral("strategy")).toString());
    if (m_settings.apiServerEnabled()) setApiServer(true, m_settings.apiServerPort());
    m_downloads.refresh();
    if (const qint64 last = m_settings.lastConversation()) openConversation(last);
    sampleMeters();
    m_meterTimer.start();
}

void AppController::post(Job kind, std::function<void(InferenceWorker&)> job)
{
    m_jobs.append(kind);
    emit jobsChanged();
    m_worker->post(std::move(job));
}

void AppController::setSearchText(const QString& text)
{
    if (text == m_search.text()) return;
    m_search.setText(text);
    emit searchTextChanged();
}

void AppController::setView(const QString& view)
{
    if (view == m_view) return;
    m_view = view;
    emit viewChanged();
}

void AppController::setChatSettings(const QVariantMap& settings)
{
    const QVariantMap normalized = normalizedChatSettings(settings);
    if (normalized == m_chatSettings) return;
    m_chatSettings = normalized;
    m_settings.setNewChatSettings(normalized);
    if (m_conversationId != 0)
        post(Job::Other, [id = m_conversationId, normalized](InferenceWorker& w) { w.saveConversationSettings(id, normalized); });
    emit chatSettingsChanged();
}

void AppController::setWindowGeometry(const QRect& geometry)
{
    m_settings.setWindowGeometry(geometry);
    emit windowGeometryChanged();
}

void AppController::setZoom(double zoom)
{
    const double before = m_settings.zoom();
    m_settings.setZoom(zoom);
    if (m_settings.zoom() != before) emit zoomChanged();
}

void AppController::setConversation(const ConversationView& view)
{
    // Only the conversation the user is looking at: a stopped turn of one left behind reports late.
    const bool awaited = view.id == m_conversationId || (m_conversationId == 0 && m_awaitingNewConversation);
    if (!awaited) return;
    m_awaitingNewConversation = false;
    if (m_streamTarget == &m_messages) m_streamTarget = nullptr;
    m_conversationId = view.id;
    m_messages.setMessages(view.messages);
    m_resumeNs = double(view.restoreNs);
    m_restoreError = view.restoreError;
    if (view.settings != m_chatSettings) {
        m_chatSettings = view.settings;
        emit chatSettingsChanged();
    }
    m_settings.setLastConversation(view.id);
    setView(QStringLiteral("chat"));
    emit conversationChanged();
}

void AppController::leaveConversation(qint64 id)
{
    if (generating()) stop();
    if (m_streamTarget == &m_messages) m_streamTarget = nullptr;
    m_awaitingNewConversation = false;
    m_conversationId = id;
    m_resumeNs = -1;
    m_restoreError.clear();
    m_messages.clear();
    setView(QStringLiteral("chat"));
    emit conversationChanged();
}

void AppController::send(const QString& text)
{
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty() || generating()) return;
    setView(QStringLiteral("chat"));
    dismissError();
    m_messages.appendTurn(trimmed);
    m_streamTarget = &m_messages;
    m_awaitingNewConversation = m_conversationId == 0;
    post(Job::Generate, [id = m_conversationId, trimmed, settings = m_chatSettings, cancel = cancelToken()](InferenceWorker& w) {
        w.send(id, trimmed, settings, cancel);
    });
}

void AppController::stop()
{
    m_stop.request_stop();
    m_stop = std::stop_source();
}

void AppController::newConversation()
{
    leaveConversation(0);
    m_settings.setLastConversation(0);
    const QVariantMap defaults = m_settings.newChatSettings();
    if (defaults != m_chatSettings) {
        m_chatSettings = defaults;
        emit chatSettingsChanged();
    }
}

void AppController::openConversation(qint64 id)
{
    if (id == m_conversationId && m_view == u"chat" && !m_messages.rows().isEmpty()) return;
    leaveConversation(id);
    post(Job::Other, [id](InferenceWorker& w) { w.openConversation(id); });
}

void AppController::renameConversation(qint64 id, const QString& title)
{
    if (title.trimmed().isEmpty()) return;
    post(Job::Other, [id, title](InferenceWorker& w) { w.renameConversation(id, title); });
}

void AppController::deleteConversation(qint64 id)
{
    post(Job::Other, [id](InferenceWorker& w) { w.deleteConversation(id); });
}

void AppController::regenerate(qint64 assistantMessageId)
{
    const QList<MessageRow>& rows = m_messages.rows();
    const auto it = std::find_if(rows.begin(), rows.end(), [&](const MessageRow& r) { return r.id == assistantMessageId; });
    if (it == rows.end() || it->author != u"assistant" || generating()) return;
    m_messages.beginTurn(it->parentId, QString());
    m_streamTarget = &m_messages;
    post(Job::Generate, [id = m_conversationId, assistantMessageId, settings = m_chatSettings,
                         cancel = cancelToken()](InferenceWorker& w) { w.regenerate(id, assistantMessageId, settings, cancel); });
}

void AppController::editAndResend(qint64 messageId, const QString& text)
{
    const QList<MessageRow>& rows = m_messages.rows();
    const auto it = std::find_if(rows.begin(), rows.end(), [&](const MessageRow& r) { return r.id == messageId; });
    const QString trimmed = text.trimmed();
    if (it == rows.end() || it->author != u"user" || trimmed.isEmpty() || generating()) return;
    const qint64 parent = it->parentId;
    m_messages.beginTurn(it == rows.begin() ? 0 : std::prev(it)->id, trimmed);
    m_streamTarget = &m_messages;
    post(Job::Generate, [id = m_conversationId, parent, trimmed, settings = m_chatSettings,
                         cancel = cancelToken()](InferenceWorker& w) { w.sendFrom(id, parent, trimmed, settings, cancel); });
}

void AppController::switchBranch(int row, int delta)
{
    const qint64 sibling = m_messages.siblingId(row, delta);
    if (sibling == 0 || generating()) return;
    post(Job::Other, [id = m_conversationId, sibling](InferenceWorker& w) { w.switchBranch(id, sibling); });
}

void AppController::rebuildConversation()
{
    if (m_conversationId == 0) return;
    post(Job::Generate, [id = m_conversationId, cancel = cancelToken()](InferenceWorker& w) { w.rebuildConversation(id, cancel); });
}

void AppController::copyText(const QString& text) const
{
    if (QClipboard* clipboard = QGuiApplication::clipboard()) clipboard->setText(text);
}

void AppController::setError(const QString& text)
{
    m_errorText = text;
    emit errorChanged();
}

void AppController::dismissError()
{
    if (m_errorText.isEmpty() && m_modelError.isEmpty()) return;
    m_errorText.clear();
    m_modelError.clear();
    emit errorChanged();
}
