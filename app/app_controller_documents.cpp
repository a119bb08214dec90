// The model and document half of AppController.
#include "app/app_controller.h"
#include "app/document_text.h"

#include <QFileInfo>

void AppController::loadModel(const QString& pathOrUrl, const QString& deviceId, const QString& precision, int threads,
                              const QString& customStrategy)
{
    const QUrl url(pathOrUrl);
    const QString path = url.isLocalFile() ? url.toLocalFile() : pathOrUrl;
    if (path.isEmpty()) return;
    stop();
    m_pendingModelChoice = {{QStringLiteral("path"), path},
                            {QStringLiteral("deviceId"), deviceId},
                            {QStringLiteral("precision"), precision},
                            {QStringLiteral("threads"), threads},
                            {QStringLiteral("strategy"), customStrategy.trimmed()}};
    // Shown as loading until it loads; a failed load brings this one back (modelKept).
    if (modelReady()) m_replacedModel = std::exchange(m_model, {});
    dismissError();
    m_meters.setModelSizes(0, 0);
    m_modelLoadProgress = 0;
    emit modelChanged();
    emit modelLoadProgressChanged();
    const QString strategy = !customStrategy.trimmed().isEmpty() ? customStrategy.trimmed()
                             : deviceId == QStringLiteral("auto") ? deviceId
                                                                  : deviceId + u' ' + precision;
    post(Job::Load, [path, strategy, threads, cancel = cancelToken()](InferenceWorker& w) {
        w.loadModel(path, strategy, threads, cancel);
    });
    // States are per weights: show the open conversation again, restored for the new model.
    if (m_conversationId != 0) {
        m_messages.clear();
        post(Job::Other, [id = m_conversationId](InferenceWorker& w) { w.openConversation(id); });
    }
}

QVariantMap AppController::modelChoice() const
{
    const QString path = m_settings.modelPath();
    return {{QStringLiteral("path"), path.isEmpty() ? defaultModelPath() : path},
            {QStringLiteral("deviceId"), m_settings.deviceId()},
            {QStringLiteral("precision"), m_settings.precision()},
            {QStringLiteral("threads"), m_settings.threads()},
            {QStringLiteral("strategy"), m_settings.customStrategy()}};
}

QString AppController::defaultModelPath() const { return QString::fromStdString(m_paths.defaultModel.string()); }

bool AppController::isDocument(const QUrl& url) const
{
    return isSupportedDocument(url.isLocalFile() ? url.toLocalFile() : url.toString());
}

void AppController::openDocument(const QUrl& url)
{
    const QString path = url.isLocalFile() ? url.toLocalFile() : url.toString();
    if (path.isEmpty()) return;
    dismissError();
    if (m_streamTarget == &m_answers) m_streamTarget = nullptr;
    m_documentId = 0;
    m_answers.clear();
    beginReading(QFileInfo(path).fileName(), false);
    emit documentChanged();
    setView(QStringLiteral("document"));
    post(Job::Ingest, [path, cancel = cancelToken()](InferenceWorker& w) { w.ingestDocument(path, cancel); });
}

void AppController::beginReading(const QString& name, bool intoChat)
{
    m_ingest = {{QStringLiteral("name"), name},
                {QStringLiteral("intoChat"), intoChat},
                {QStringLiteral("tokensDone"), 0.0},
                {QStringLiteral("tokensTotal"), 0.0},
                {QStringLiteral("tokensPerSecond"), 0.0},
                {QStringLiteral("etaSeconds"), -1.0}};
    emit ingestChanged();
}

void AppController::showDocument(qint64 id)
{
    if (id != m_documentId) {
        if (m_streamTarget == &m_answers) m_streamTarget = nullptr;
        m_documentId = id;
        m_answers.clear();
        emit documentChanged();
    }
    setView(QStringLiteral("document"));
}

void AppController::deleteDocument(qint64 id)
{
    if (id == m_documentId) {
        if (m_streamTarget == &m_answers) m_streamTarget = nullptr;
        m_documentId = 0;
        m_answers.clear();
        emit documentChanged();
        setView(QStringLiteral("chat"));
    }
    post(Job::Other, [id](InferenceWorker& w) { w.deleteDocument(id); });
}

void AppController::ask(const QString& question)
{
    const QString trimmed = question.trimmed();
    if (trimmed.isEmpty() || m_documentId == 0 || generating()) return;
    dismissError();
    m_answers.appendTurn(trimmed);
    m_streamTarget = &m_answers;
    post(Job::Generate, [id = m_documentId, trimmed, settings = m_chatSettings, cancel = cancelToken()](InferenceWorker& w) {
        w.askDocument(id, trimmed, settings, cancel);
    });
}

void AppController::regenerateAnswer(int row)
{
    QList<MessageRow> rows = m_answers.rows();
    if (generating() || row < 1 || row >= rows.size() || rows[row].author == u"user" || rows[row].streaming) return;
    const QString question = rows[row - 1].text;
    rows.remove(row - 1, 2);
    m_answers.setMessages(rows);
    ask(question);
}

void AppController::chatAboutDocument()
{
    if (m_documentId == 0 || generating() || ingesting()) return;
    const qint64 id = m_documentId;
    dismissError();
    leaveConversation(0);
    m_awaitingNewConversation = true;
    post(Job::Other, [id, settings = m_settings.newChatSettings()](InferenceWorker& w) { w.chatAboutDocument(id, settings); });
}

void AppController::readIntoChat(const QUrl& url)
{
    const QString path = url.isLocalFile() ? url.toLocalFile() : url.toString();
    if (path.isEmpty() || generating() || ingesting()) return;
    dismissError();
    setView(QStringLiteral("chat"));
    beginReading(QFileInfo(path).fileName(), true);
    m_awaitingNewConversation = m_conversationId == 0;
    post(Job::Ingest, [id = m_conversationId, path, settings = m_chatSettings, cancel = cancelToken()](InferenceWorker& w) {
        w.readIntoChat(id, path, settings, cancel);
    });
}

void AppController::showChat() { setView(QStringLiteral("chat")); }
