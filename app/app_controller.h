#pragma once
// What the QML window talks to: the list models, the selected conversation or document, the
// model and its strategy, and the actions. Lives on the UI thread and never blocks: every
// action becomes a job for the InferenceWorker on its own QThread, and results come back as
// signals that update the models. Numbers stay numbers (tokens, ns, bytes); QML formats them.
#include "app/app_settings.h"
#include "app/file_transfer.h"
#include "app/inference_worker.h"
#include "app/model_downloads.h"
#include "app/saved_states.h"
#include "app/store_upkeep.h"
#include "app/sidebar_search.h"
#include "ui/conversation_list_model.h"
#include "ui/device_list_model.h"
#include "ui/document_list_model.h"
#include "ui/message_list_model.h"
#include "ui/meters_model.h"

#include <QElapsedTimer>
#include <QObject>
#include <QThread>
#include <QTimer>
#include <QUrl>

#include <filesystem>
#include <memory>
#include <stop_token>

struct AppPaths {
    std::filesystem::path database;      // the SQLite file
    std::filesystem::path vocabDir;      // tokenizer files
    std::filesystem::path defaultModel;  // used when no model was chosen
    std::filesystem::path catalog;       // the model catalog (models.json) of "Get a model"
    std::filesystem::path refreshedCatalog; // where a catalog refreshed from a URL goes (used once there)
    std::filesystem::path modelsDir;     // where downloaded models go
    std::filesystem::path strategyChoices; // what the automatic strategy measured (core/strategy_choices.h)
};

class AppController : public QObject {
    Q_OBJECT
    Q_PROPERTY(QAbstractItemModel* conversations READ conversations CONSTANT)
    Q_PROPERTY(MessageListModel* messages READ messages CONSTANT)
    Q_PROPERTY(MessageListModel* answers READ answers CONSTANT)
    Q_PROPERTY(DocumentListModel* documents READ documents CONSTANT)
    // The documents the sidebar lists: all of them, or those whose name matches searchText.
    Q_PROPERTY(QAbstractItemModel* listedDocuments READ listedDocuments CONSTANT)
    Q_PROPERTY(DeviceListModel* devices READ devices CONSTANT)
    Q_PROPERTY(MetersModel* meters READ meters CONSTANT)
    Q_PROPERTY(ModelDownloads* downloads READ downloads CONSTANT)
    Q_PROPERTY(FileTransfer* transfer READ transfer CONSTANT)
    Q_PROPERTY(SavedStates* states READ states CONSTANT)
    Q_PROPERTY(StoreUpkeep* storage READ storage CONSTANT)
    Q_PROPERTY(QString searchText READ searchText WRITE setSearchText NOTIFY searchTextChanged)
    Q_PROPERTY(QString view READ view NOTIFY viewChanged)
    Q_PROPERTY(qint64 conversationId READ conversationId NOTIFY conversationChanged)
    Q_PROPERTY(QString conversationTitle READ conversationTitle NOTIFY conversationChanged)
    Q_PROPERTY(double resumeNs READ resumeNs NOTIFY conversationChanged)
    Q_PROPERTY(QString restoreError READ restoreError NOTIFY conversationChanged)
    Q_PROPERTY(QVariantMap chatSettings READ chatSettings WRITE setChatSettings NOTIFY chatSettingsChanged)
    Q_PROPERTY(QVariantMap lastTurn READ lastTurn NOTIFY lastTurnChanged)
    Q_PROPERTY(bool busy READ busy NOTIFY jobsChanged)
    Q_PROPERTY(bool generating READ generating NOTIFY jobsChanged)
    Q_PROPERTY(bool modelLoading READ modelLoading NOTIFY jobsChanged)
    Q_PROPERTY(bool ingesting READ ingesting NOTIFY jobsChanged)
    Q_PROPERTY(bool modelReady READ modelReady NOTIFY modelChanged)
    Q_PROPERTY(QVariantMap model READ model NOTIFY modelChanged)
    Q_PROPERTY(double modelLoadProgress READ modelLoadProgress NOTIFY modelLoadProgressChanged)
    Q_PROPERTY(QVariantMap modelChoice READ modelChoice NOTIFY modelChoiceChanged)
    Q_PROPERTY(QString modelError READ modelError NOTIFY errorChanged)
    Q_PROPERTY(QStringList recentModels READ recentModels NOTIFY modelChoiceChanged)
    Q_PROPERTY(qint64 documentId READ documentId NOTIFY documentChanged)
    Q_PROPERTY(QString documentName READ documentName NOTIFY documentChanged)
    Q_PROPERTY(double documentTokens READ documentTokens NOTIFY documentChanged)
    Q_PROPERTY(QVariantMap ingest READ ingest NOTIFY ingestChanged)
    Q_PROPERTY(QString errorText READ errorText NOTIFY errorChanged)
    Q_PROPERTY(QRect windowGeometry READ windowGeometry WRITE setWindowGeometry NOTIFY windowGeometryChanged)
    Q_PROPERTY(double zoom READ zoom WRITE setZoom NOTIFY zoomChanged)
    Q_PROPERTY(bool apiServerEnabled READ apiServerEnabled NOTIFY apiServerChanged)
    Q_PROPERTY(int apiServerPort READ apiServerPort NOTIFY apiServerChanged)
    Q_PROPERTY(QString apiServerUrl READ apiServerUrl NOTIFY apiServerChanged)

public:
    AppController(AppPaths paths, QSettings& settings, QObject* parent = nullptr);
    // Cancels what is running and waits for the worker thread to finish it.
    ~AppController() override;

    // Starts the worker: opens the database, lists devices, loads `modelPath` (empty: the
    // remembered model, else the demo model) and reopens the last conversation.
    void start(const QString& modelPath = {});

    // The sidebar's conversations: all of them, or the matches of searchText best first.
    QAbstractItemModel* conversations() { return m_search.conversations(); }
    ConversationListModel* conversationList() { return &m_conversations; }
    MessageListModel* messages() { return &m_messages; }
    MessageListModel* answers() { return &m_answers; }
    DocumentListModel* documents() { return &m_documents; }
    QAbstractItemModel* listedDocuments() { return m_search.documents(); }
    SidebarSearch* search() { return &m_search; }
    DeviceListModel* devices() { return &m_devices; }
    MetersModel* meters() { return &m_meters; }
    ModelDownloads* downloads() { return &m_downloads; }
    FileTransfer* transfer() { return &m_transfer; }
    SavedStates* states() { return &m_states; }
    StoreUpkeep* storage() { return &m_storage; }

    QString searchText() const { return m_search.text(); }
    void setSearchText(const QString& text);
    QString view() const { return m_view; }
    qint64 conversationId() const { return m_conversationId; }
    QString conversationTitle() const { return m_conversations.titleOf(m_conversationId); }
    double resumeNs() const { return m_resumeNs; }
    QString restoreError() const { return m_restoreError; }
    QVariantMap chatSettings() const { return m_chatSettings; }
    void setChatSettings(const QVariantMap& settings);
    QVariantMap lastTurn() const { return m_lastTurn; }
    bool busy() const { return !m_jobs.isEmpty(); }
    bool generating() const { return m_jobs.contains(Job::Generate); }
    bool modelLoading() const { return m_jobs.contains(Job::Load); }
    bool ingesting() const { return m_jobs.contains(Job::Ingest); }
    bool modelReady() const { return !m_model.isEmpty(); }
    QVariantMap model() const { return m_model; }
    double modelLoadProgress() const { return m_modelLoadProgress; }
    QVariantMap modelChoice() const;
    // Why the last model load failed (and which model still runs); empty after a good load.
    QString modelError() const { return m_modelError; }
    QStringList recentModels() const { return m_settings.recentModels(); }
    qint64 documentId() const { return m_documentId; }
    QString documentName() const { return m_documents.nameOf(m_documentId); }
    double documentTokens() const { return double(m_documents.tokenCountOf(m_documentId)); }
    QVariantMap ingest() const { return m_ingest; }
    QString errorText() const { return m_errorText; }
    QRect windowGeometry() const { return m_settings.windowGeometry(); }
    void setWindowGeometry(const QRect& geometry);
    // The text size factor, remembered; clamped to AppSettings' range.
    double zoom() const { return m_settings.zoom(); }
    void setZoom(double zoom);
    bool apiServerEnabled() const { return m_settings.apiServerEnabled(); }
    int apiServerPort() const { return m_settings.apiServerPort(); }
    // The base URL clients use while the server runs; empty when it is off or failed to start.
    QString apiServerUrl() const { return m_apiServerUrl; }

    // Chat.
    Q_INVOKABLE void send(const QString& text);
    // Cancels the generation, reading, rebuild or model load in progress; a cut reply is kept
    // and valid, a cancelled load brings the previous model back.
    Q_INVOKABLE void stop();
    Q_INVOKABLE void newConversation();
    Q_INVOKABLE void openConversation(qint64 id);
    Q_INVOKABLE void renameConversation(qint64 id, const QString& title);
    Q_INVOKABLE void deleteConversation(qint64 id);
    Q_INVOKABLE void regenerate(qint64 assistantMessageId);
    // Replaces user message `messageId` by `text` as a new branch and generates its reply.
    Q_INVOKABLE void editAndResend(qint64 messageId, const QString& text);
    // Shows the sibling `delta` steps away from the message at `row` (‹ -1, › +1).
    Q_INVOKABLE void switchBranch(int row, int delta);
    Q_INVOKABLE void rebuildConversation();

    // Model: strategy "<deviceId> <precision>", or customStrategy when it is not empty (the
    // core's grammar, layer splits included); threads 0 = all cores.
    Q_INVOKABLE void loadModel(const QString& pathOrUrl, const QString& deviceId, const QString& precision, int threads,
                               const QString& customStrategy = {});

    // Documents.
    Q_INVOKABLE bool isDocument(const QUrl& url) const;
    Q_INVOKABLE void openDocument(const QUrl& url);
    Q_INVOKABLE void showDocument(qint64 id);
    Q_INVOKABLE void deleteDocument(qint64 id);
    Q_INVOKABLE void ask(const QString& question);
    // Asks the question of the answer at `row` again; the new answer replaces that pair.
    Q_INVOKABLE void regenerateAnswer(int row);
    // A new conversation that starts from the shown document's state.
    Q_INVOKABLE void chatAboutDocument();
    // Reads a document into the open conversation after its current message (into a new one
    // when none is open); progress in `ingest` with "intoChat" true.
    Q_INVOKABLE void readIntoChat(const QUrl& url);
    Q_INVOKABLE void showChat();

    // The local OpenAI-compatible API server on the loaded model (loopback, port 1024–65535).
    Q_INVOKABLE void setApiServer(bool enabled, int port);

    Q_INVOKABLE void copyText(const QString& text) const;
    Q_INVOKABLE void dismissError();
    // The default model, a local path as text.
    Q_INVOKABLE QString defaultModelPath() const;

signals:
    void searchTextChanged();
    void viewChanged();
    void conversationChanged();
    void chatSettingsChanged();
    void lastTurnChanged();
    void jobsChanged();
    void modelChanged();
    void modelLoadProgressChanged();
    void modelChoiceChanged();
    void documentChanged();
    void ingestChanged();
    void errorChanged();
    void windowGeometryChanged();
    void zoomChanged();
    void apiServerChanged();
    // A chat turn or a document answer finished (also when stopped).
    void replyFinished();

private:
    enum class Job { Generate, Load, Ingest, Other };

    void post(Job kind, std::function<void(InferenceWorker&)> job);
    std::stop_token cancelToken() const { return m_stop.get_token(); }
    void connectWorker();
    void connectApiServer();
    void setView(const QString& view);
    void setConversation(const ConversationView& view);
    // Stops showing the current conversation (and stops its generation); `id` is what comes next.
    void leaveConversation(qint64 id);
    void onTurnFinished(const TurnStats& stats, bool chat);
    // Shows a document being read: `name`, no tokens yet.
    void beginReading(const QString& name, bool intoChat);
    void onStreamed(const QString& text, qint64 tokens, qint64 elapsedNs);
    void sampleMeters();
    void setError(const QString& text);

    AppPaths m_paths;
    AppSettings m_settings;
    QThread m_thread;
    std::unique_ptr<InferenceWorker> m_worker;
    std::stop_source m_stop;
    QList<Job> m_jobs;  // posted and not finished, in order

    ConversationListModel m_conversations;
    MessageListModel m_messages;
    MessageListModel m_answers;
    DocumentListModel m_documents;
    DeviceListModel m_devices;
    MetersModel m_meters;
    ModelDownloads m_downloads;
    SidebarSearch m_search;  // over m_conversations and m_documents
    FileTransfer m_transfer; // posts to m_worker
    SavedStates m_states;    // posts to m_worker
    StoreUpkeep m_storage;   // posts to m_worker

    QString m_view = QStringLiteral("chat");
    qint64 m_conversationId = 0;
    double m_resumeNs = -1;
    QString m_restoreError;
    QVariantMap m_chatSettings;
    QVariantMap m_lastTurn;
    QVariantMap m_model;
    QVariantMap m_replacedModel;  // the model a load in progress replaces
    QString m_modelError;
    QVariantMap m_pendingModelChoice;  // path, deviceId, precision, threads of the load in progress
    double m_modelLoadProgress = 0;
    qint64 m_documentId = 0;
    QVariantMap m_ingest;
    QString m_errorText;
    QString m_apiServerUrl;

    MessageListModel* m_streamTarget = nullptr;  // where streamed text goes; null: nowhere
    bool m_awaitingNewConversation = false;      // a first turn is creating the conversation shown
    qint64 m_streamBaseNs = -1, m_streamBaseTokens = 0;

    QTimer m_meterTimer;
    QElapsedTimer m_clock;
    double m_liveDecodeTps = 0;    // while a reply streams
    double m_pendingPrefillTps = 0;  // the last turn's prefill rate, plotted once
    qint64 m_deviceMemoryBytes = -1; // the model device's own meter; -1: none, process RAM is shown
};
