#pragma once
// Everything that touches the model, the tokenizer or the database, on one worker thread
// (design.md property 9): the UI thread posts jobs with post() and hears back through
// signals carrying plain numbers and rows. Each job's rwkv::Error is caught here, the one
// catch of this thread boundary, and reported with failed(). Long jobs take a stop_token.
#include "app/api_server_host.h"
#include "app/worker_types.h"
#include "backends/strategy_devices.h"
#include "core/chat_session.h"
#include "core/document_library.h"
#include "core/fair_mutex.h"
#include "core/model.h"
#include "core/store/store.h"
#include "core/tokenizer/tokenizer.h"

#include <QObject>
#include <QString>

#include <filesystem>
#include <functional>
#include <memory>
#include <stop_token>

class InferenceWorker : public QObject {
    Q_OBJECT

public:
    // Nothing is opened until openStore() and loadModel() run on the worker thread.
    InferenceWorker(std::filesystem::path databasePath, std::filesystem::path vocabDir,
                    std::filesystem::path strategyChoices);
    ~InferenceWorker() override;

    // Runs `job` on this object's thread after the jobs posted before it; thread-safe.
    void post(std::function<void(InferenceWorker&)> job);

    // The jobs (worker thread only).
    void openStore();
    // strategy: the core's grammar ("cpu fp32"); threads 0 = all cores.
    // A stop request on `cancel` ends the load at its next step (a layer, a tensor, a measured
    // strategy) and brings the previous model back.
    void loadModel(const QString& path, const QString& strategy, int threads, std::stop_token cancel = {});
    // Every device of this build, available or not, with the reason.
    void listDevices();
    void listConversations();
    // Shows a conversation: its current path and the time to restore its state.
    void openConversation(qint64 id);
    void renameConversation(qint64 id, const QString& title);
    void deleteConversation(qint64 id);
    void saveConversationSettings(qint64 id, const QVariantMap& settings);
    // A turn after the current message of `conversationId` (0: a new conversation with `settings`).
    void send(qint64 conversationId, const QString& text, const QVariantMap& settings, std::stop_token cancel);
    // Edit-and-resend: a new user message after `parentId` (root or assistant).
    void sendFrom(qint64 conversationId, qint64 parentId, const QString& text, const QVariantMap& settings,
                  std::stop_token cancel);
    void regenerate(qint64 conversationId, qint64 assistantId, const QVariantMap& settings, std::stop_token cancel);
    // Selects the branch through `messageId`, continuing from its newest leaf.
    void switchBranch(qint64 conversationId, qint64 messageId);
    // Recomputes the conversation's states for the loaded weights by replaying its text.
    void rebuildConversation(qint64 conversationId, std::stop_token cancel);

    void listDocuments();
    // Reads a .txt, .md or .pdf file once and keeps its state (the same content is not read twice).
    void ingestDocument(const QString& path, std::stop_token cancel);
    void askDocument(qint64 documentId, const QString& question, const QVariantMap& settings, std::stop_token cancel);
    void deleteDocument(qint64 id);
    // "Chat about this document": a new conversation whose first message is the document, from
    // its stored state, shown as conversationShown().
    void chatAboutDocument(qint64 documentId, const QVariantMap& settings);
    // "Read into this chat": reads a .txt, .md or .pdf file after the conversation's current
    // message (conversationId 0: into a new conversation), with ingestProgress().
    void readIntoChat(qint64 conversationId, const QString& path, const QVariantMap& settings, std::stop_token cancel);

    // A .rwkvx file (a conversation or a named state), or a state-tuning file (.pth or
    // .safetensors, as a named state), checked against the loaded model and stored whole, or
    // refused with nothing written (inference_worker_transfer.cpp).
    void importTransferFile(const QString& path);
    // Conversation `id` to `path` as .rwkvx (or Markdown), replacing that file only once written.
    void exportConversation(qint64 id, const QString& path, bool markdown);

    // Named states (inference_worker_states.cpp): listed with whether the loaded model can
    // use each; a message's state saved under a name; a new conversation from one; deleted.
    void listStates();
    void saveMessageState(qint64 conversationId, qint64 messageId, const QString& name, const QString& note);
    void startFromState(qint64 stateId, const QVariantMap& settings);
    void deleteState(qint64 stateId);
    void renameState(qint64 stateId, const QString& name);
    // The database's storage line (core/store/state_retention.h storageUse), and "Free space":
    // the states that can be rebuilt pruned, then VACUUM.
    void reportStorage();
    void freeSpace();

    // The local API server on the loaded model: port 0 turns it off. It follows model reloads.
    void setApiServer(int port);

signals:
    void storeOpened(const QString& path);
    void modelLoadProgress(double fraction);
    void modelLoaded(const ModelInfo& info);
    // A load failed and the model loaded before it is still there (sent before failed()).
    void modelKept();
    void devicesListed(const QList<DeviceRow>& rows);
    // The model's device memory in use and its budget, where the device meters it itself.
    void deviceMemory(qint64 usedBytes, qint64 budgetBytes);
    void conversationsListed(const QList<ConversationRow>& rows);
    void conversationShown(const ConversationView& view);
    void conversationDeleted(qint64 id);
    // Streamed reply text; tokens and elapsedNs count generated tokens since sampling began.
    void textStreamed(const QString& text, qint64 tokens, qint64 elapsedNs);
    void turnFinished(const TurnStats& stats);
    void documentsListed(const QList<DocumentRow>& rows);
    void ingestProgress(qint64 tokensDone, qint64 tokensTotal, qint64 elapsedNs);
    void documentReady(const DocumentRow& row, bool alreadyStored, qint64 readNs);
    void answerFinished(const TurnStats& stats);
    // A file was imported as conversation `id` (its states of other weights left out).
    void conversationImported(qint64 id, qint64 messages, qint64 states, qint64 statesOfOtherWeights);
    void stateImported(const QString& name);
    void conversationExported(const QString& path, qint64 messages, qint64 states, qint64 fileBytes);
    void statesListed(const QList<StateRow>& rows);
    // What the database holds (StoreUpkeep::use's keys); after freeSpace() also what it freed.
    void storageReported(const QVariantMap& use);
    void spaceFreed(qint64 states, qint64 bytes);
    // A conversation was started from a saved state.
    void conversationStarted(qint64 id);
    // A job failed: what it was doing, the error's code name ("bad-file") and its message.
    void failed(const QString& task, const QString& code, const QString& message);
    // After every posted job, failed or not.
    void jobFinished();
    // The API server's base URL, empty when it is off (or could not start: see failed()).
    void apiServerChanged(const QString& url);

private:
    // The model as loaded: what restoreModel() loads again.
    struct LoadedModel {
        QString path;
        QString strategy;
        int threads = 0;
    };

    void guarded(const QString& task, const std::function<void()>& job);
    // loadModel()'s work; throws, and leaves the previous model loaded where it can.
    void replaceModel(const QString& path, const QString& strategy, int threads, std::stop_token cancel);
    // Loads the checkpoint onto m_devices with tokenizer and sessions; progress gets 0..1.
    ModelInfo installModel(const rwkv::Checkpoint& checkpoint, const QString& path,
                           const std::function<void(double)>& progress);
    void unloadModel();
    // After a failed load freed the model: loads `previous` again (nothing if it fails too).
    void restoreModel(const LoadedModel& previous);
    rwkv::Store& store();
    void requireModel() const;
    rwkv::ChatSession& chatFor(qint64 conversationId);
    // Runs a chat turn, streaming its text, and shows the conversation afterwards.
    void runTurn(const std::function<rwkv::ChatTurn(rwkv::ChatSession&, const rwkv::TextFn&)>& turn);
    // onText for generate(): coalesces text into textStreamed() at most every few ms.
    rwkv::TextFn streamer();
    void flushStream();
    // onProgress for reading a document: ingestProgress() at most every few tens of ms.
    rwkv::IngestProgressFn readingProgress();
    ConversationView viewOf(qint64 conversationId, bool restoreState);
    // Starts the API server on the loaded model when one is wanted and none runs, and reports
    // its URL; a failure (port taken) is reported with failed(), never thrown.
    void startApiServer();
    void stopApiServer();
    // While the API server runs, chat turns and document answers decode in its running batch.
    void shareApiBatch();
    QList<StateRow> stateRows();
    // A state-tuning file as a named state of the loaded weights (importTransferFile's other half).
    void importStateTuningFile(const std::filesystem::path& file);

    std::filesystem::path m_databasePath;
    std::filesystem::path m_vocabDir;
    std::filesystem::path m_strategyChoices;
    std::unique_ptr<rwkv::Store> m_store;
    rwkv::StrategyDevices m_devices;
    std::unique_ptr<rwkv::Model> m_model;
    std::unique_ptr<rwkv::Tokenizer> m_tokenizer;
    std::filesystem::path m_modelPath;
    LoadedModel m_loaded;
    std::unique_ptr<rwkv::ChatSession> m_chat;
    std::unique_ptr<rwkv::DocumentLibrary> m_library;
    // Taken around the worker's own model work (chat and answers per model call); the API
    // server's batch takes it per step.
    rwkv::FairMutex m_modelLock;
    int m_apiPort = 0;
    std::unique_ptr<ApiServerHost> m_api;  // declared after the model: destroyed first

    // Streaming state of the generation in progress.
    QString m_pendingText;
    qint64 m_streamStartNs = 0, m_lastEmitNs = 0, m_streamedTokens = 0;
};
