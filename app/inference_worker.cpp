#include "app/inference_worker.h"
#include "backends/automatic_strategy.h"

#include "app/chat_settings.h"
#include "app/conversation_rows.h"
#include "backends/registry.h"
#include "core/error.h"
#include "core/strategy.h"
#include "core/tokenizer/tokenizer_factory.h"

#include <QFileInfo>
#include <QMetaObject>

#include <chrono>

namespace {

qint64 nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// Streamed text reaches the UI at most this often; a view re-laid out per token would lag.
constexpr qint64 kStreamIntervalNs = 25'000'000;

QString qs(const std::string& s) { return QString::fromStdString(s); }

} // namespace

void registerWorkerTypes()
{
    qRegisterMetaType<ModelInfo>();
    qRegisterMetaType<TurnStats>();
    qRegisterMetaType<ConversationView>();
    qRegisterMetaType<QList<ConversationRow>>();
    qRegisterMetaType<QList<DocumentRow>>();
    qRegisterMetaType<DocumentRow>();
    qRegisterMetaType<QList<DeviceRow>>();
    qRegisterMetaType<QList<StateRow>>();
}

InferenceWorker::InferenceWorker(std::filesystem::path databasePath, std::filesystem::path vocabDir,
                                 std::filesystem::path strategyChoices)
    : m_databasePath(std::move(databasePath)), m_vocabDir(std::move(vocabDir)), m_strategyChoices(std::move(strategyChoices))
{
}

InferenceWorker::~InferenceWorker() = default;

void InferenceWorker::post(std::function<void(InferenceWorker&)> job)
{
    QMetaObject::invokeMethod(this, [this, job = std::move(job)] { job(*this); }, Qt::QueuedConnection);
}

void InferenceWorker::guarded(const QString& task, const std::function<void()>& job)
{
    try {
        job();
    } catch (const rwkv::Error& e) {
        flushStream();
        emit failed(task, QString::fromLatin1(rwkv::errorCodeName(e.code())), qs(e.what()));
    } catch (const std::bad_alloc&) {
        emit failed(task, QStringLiteral("out-of-memory"), QStringLiteral("out of memory"));
    } catch (const std::exception& e) {
        emit failed(task, QStringLiteral("internal"), qs(e.what()));
    }
    // Devices with their own memory meter (GPUs) report it after every job, summed over the
    // strategy's devices; for the CPU the app measures the process itself.
    rwkv::MemoryInfo total;
    bool metered = false;
    for (const auto& device : m_devices.devices)
        if (const auto memory = device->memoryInfo()) {
            total.used += memory->used;
            total.budget += memory->budget;
            metered = true;
        }
    if (metered) emit deviceMemory(qint64(total.used), qint64(total.budget));
    emit jobFinished();
}

rwkv::Store& InferenceWorker::store()
{
    if (!m_store) throw rwkv::Error(rwkv::ErrorCode::Database, "the conversation database is not open");
    return *m_store;
}

void InferenceWorker::requireModel() const
{
    if (!m_model) throw rwkv::Error(rwkv::ErrorCode::InvalidArgument, "no model is loaded; open one in the settings");
    if (!m_tokenizer)
        throw rwkv::Error(rwkv::ErrorCode::Unsupported, "this model's vocabulary (" + std::to_string(m_model->config().vocab)
                                                            + " tokens) has no known tokenizer, so it cannot chat");
}

void InferenceWorker::openStore()
{
    guarded(QStringLiteral("opening the database"), [&] {
        m_store = std::make_unique<rwkv::Store>(m_databasePath);
        if (m_model && m_tokenizer) {
            m_chat = std::make_unique<rwkv::ChatSession>(*m_store, *m_model, *m_tokenizer, m_modelPath);
            m_chat->setModelLock(&m_modelLock); // API requests get the model between its calls
            m_library = std::make_unique<rwkv::DocumentLibrary>(*m_store, *m_model, *m_tokenizer, m_modelPath);
            m_library->setModelLock(&m_modelLock);
            shareApiBatch();
        }
        emit storeOpened(qs(m_databasePath.string()));
        emit conversationsListed(conversationRows(*m_store));
        emit documentsListed(documentRows(*m_store));
        emit statesListed(stateRows());
    });
}

void InferenceWorker::setApiServer(int port)
{
    guarded(QStringLiteral("starting the local API server"), [&] {
        stopApiServer();
        m_apiPort = port;
        startApiServer();
    });
}

void InferenceWorker::startApiServer()
{
    if (m_apiPort && m_model && m_tokenizer && !m_api) {
        try {
            m_api = std::make_unique<ApiServerHost>(*m_model, *m_tokenizer, m_modelLock, m_modelPath.stem().string(), m_apiPort);
        } catch (const rwkv::Error& e) {
            emit failed(QStringLiteral("starting the local API server"), QString::fromLatin1(rwkv::errorCodeName(e.code())),
                        qs(e.what()));
        }
    }
    shareApiBatch();
    emit apiServerChanged(m_api ? qs(m_api->url()) : QString());
}

void InferenceWorker::stopApiServer()
{
    m_api.reset();
    shareApiBatch(); // no longer theirs to borrow
}

void InferenceWorker::shareApiBatch()
{
    const rwkv::ReplyDecoder decoder = m_api ? m_api->replyDecoder() : rwkv::ReplyDecoder{};
    if (m_chat) m_chat->setReplyDecoder(decoder);
    if (m_library) m_library->setReplyDecoder(decoder);
}

void InferenceWorker::listDevices()
{
    guarded(QStringLiteral("listing devices"), [&] {
        QList<DeviceRow> rows{{QStringLiteral("auto"),
                               tr("automatic: the fastest that fits, GPU first, then a layer split, then the CPU "
                                  "(measured on a model's first load here)"),
                               true}};
        const std::vector<rwkv::DeviceOffer> offers = rwkv::availableDeviceOffers();
        for (const rwkv::DeviceInfo& d : rwkv::listDevices()) {
            DeviceRow row{qs(d.id), qs(d.description), d.available};
            for (const rwkv::DeviceOffer& o : offers)
                if (o.id == d.id) row.freeBytes = double(o.freeBytes);
            rows.append(row);
        }
        emit devicesListed(rows);
    });
}

void InferenceWorker::listConversations()
{
    guarded(QStringLiteral("listing conversations"), [&] { emit conversationsListed(conversationRows(store())); });
}

ConversationView InferenceWorker::viewOf(qint64 conversationId, bool restoreState)
{
    const rwkv::ConversationInfo info = store().conversations().get(conversationId);
    ConversationView view;
    view.id = conversationId;
    view.title = qs(info.title);
    view.settings = fromConversationSettings(store().conversations().settings(conversationId));
    if (info.currentMessageId) view.messages = branchRows(store(), *info.currentMessageId);
    if (restoreState && info.currentMessageId && m_chat) {
        try {
            const qint64 t0 = nowNs();
            m_chat->restore(*info.currentMessageId);
            view.restoreNs = nowNs() - t0;
        } catch (const rwkv::Error& e) {
            if (e.code() != rwkv::ErrorCode::IncompatibleState) throw;
            view.restoreError = qs(e.what());
        }
    }
    return view;
}

void InferenceWorker::openConversation(qint64 id)
{
    guarded(QStringLiteral("opening the conversation"), [&] {
        // Deleted meanwhile (by rwkv-cli, say): the window moves on to a new chat.
        if (!store().conversations().find(id)) {
            emit conversationDeleted(id);
            return;
        }
        if (m_chat) m_chat->open(id);
        emit conversationShown(viewOf(id, true));
    });
}

void InferenceWorker::renameConversation(qint64 id, const QString& title)
{
    guarded(QStringLiteral("renaming the conversation"), [&] {
        store().conversations().setTitle(id, title.trimmed().toStdString());
        emit conversationsListed(conversationRows(store()));
    });
}

void InferenceWorker::deleteConversation(qint64 id)
{
    guarded(QStringLiteral("deleting the conversation"), [&] {
        store().conversations().remove(id);
        emit conversationDeleted(id);
        emit conversationsListed(conversationRows(store()));
    });
}

void InferenceWorker::saveConversationSettings(qint64 id, const QVariantMap& settings)
{
    guarded(QStringLiteral("saving the settings"), [&] {
        rwkv::ConversationSettings stored = toConversationSettings(settings);
        // The system prompt is part of the conversation's first state; it cannot change later.
        stored.systemPrompt = store().conversations().settings(id).systemPrompt;
        store().conversations().setSettings(id, stored);
    });
}

rwkv::ChatSession& InferenceWorker::chatFor(qint64 conversationId)
{
    requireModel();
    if (!m_chat) throw rwkv::Error(rwkv::ErrorCode::Database, "the conversation database is not open");
    if (m_chat->conversationId() != conversationId) m_chat->open(conversationId);
    return *m_chat;
}

rwkv::TextFn InferenceWorker::streamer()
{
    m_pendingText.clear();
    m_streamedTokens = 0;
    m_streamStartNs = m_lastEmitNs = nowNs();
    return [this](std::string_view text) {
        m_pendingText += QString::fromUtf8(text.data(), qsizetype(text.size()));
        ++m_streamedTokens;
        if (nowNs() - m_lastEmitNs >= kStreamIntervalNs) flushStream();
    };
}

void InferenceWorker::flushStream()
{
    if (m_pendingText.isEmpty()) return;
    m_lastEmitNs = nowNs();
    emit textStreamed(std::exchange(m_pendingText, {}), m_streamedTokens, m_lastEmitNs - m_streamStartNs);
}

void InferenceWorker::runTurn(const std::function<rwkv::ChatTurn(rwkv::ChatSession&, const rwkv::TextFn&)>& turn)
{
    requireModel();
    if (!m_chat) throw rwkv::Error(rwkv::ErrorCode::Database, "the conversation database is not open");
    const rwkv::ChatTurn result = turn(*m_chat, streamer()); // the session locks the model per call
    flushStream();
    const rwkv::GenerationResult& g = result.generation;
    TurnStats stats;
    stats.promptTokens = g.prefillTokens;
    stats.prefillNs = g.prefillNs;
    stats.decodeTokens = g.decodeTokens;
    stats.decodeNs = g.decodeNs;
    stats.restoreNs = result.restoreNs;
    stats.saveNs = result.saveNs;
    stats.cancelled = g.reason == rwkv::StopReason::Cancelled;
    emit turnFinished(stats);
    emit conversationShown(viewOf(m_chat->conversationId(), false));
    emit conversationsListed(conversationRows(store()));
}

void InferenceWorker::send(qint64 conversationId, const QString& text, const QVariantMap& settings, std::stop_token cancel)
{
    guarded(QStringLiteral("generating a reply"), [&] {
        runTurn([&](rwkv::ChatSession& chat, const rwkv::TextFn& onText) {
            if (conversationId == 0) chat.start(m_model->newState(), "", toConversationSettings(settings));
            else chatFor(conversationId);
            return chat.send(text.toStdString(), chatGenerationOptions(settings), onText, cancel);
        });
    });
}

void InferenceWorker::sendFrom(qint64 conversationId, qint64 parentId, const QString& text, const QVariantMap& settings,
                               std::stop_token cancel)
{
    guarded(QStringLiteral("generating a reply"), [&] {
        runTurn([&](rwkv::ChatSession& chat, const rwkv::TextFn& onText) {
            chatFor(conversationId);
            return chat.sendFrom(parentId, text.toStdString(), chatGenerationOptions(settings), onText, cancel);
        });
    });
}

void InferenceWorker::regenerate(qint64 conversationId, qint64 assistantId, const QVariantMap& settings,
                                 std::stop_token cancel)
{
    guarded(QStringLiteral("regenerating the reply"), [&] {
        runTurn([&](rwkv::ChatSession& chat, const rwkv::TextFn& onText) {
            chatFor(conversationId);
            // Several alternatives are decoded together; the first streams and becomes current.
            return chat.regenerateAlternatives(assistantId, chatGenerationOptions(settings), chatAlternatives(settings),
                                               onText, cancel)
                .front();
        });
    });
}

void InferenceWorker::switchBranch(qint64 conversationId, qint64 messageId)
{
    guarded(QStringLiteral("switching branches"), [&] {
        const int64_t target = newestReplyUnder(store(), messageId);
        if (m_chat) {
            chatFor(conversationId).switchTo(target);
        } else {
            if (store().conversations().message(target).conversationId != conversationId)
                throw rwkv::Error(rwkv::ErrorCode::InvalidArgument, "that message belongs to another conversation");
            store().conversations().setCurrentMessage(conversationId, target);
        }
        emit conversationShown(viewOf(conversationId, true));
    });
}

void InferenceWorker::rebuildConversation(qint64 conversationId, std::stop_token cancel)
{
    guarded(QStringLiteral("rebuilding the conversation"), [&] {
        rwkv::ChatSession& chat = chatFor(conversationId);
        chat.rebuildByReplay(chat.currentMessageId(), cancel);
        emit conversationShown(viewOf(conversationId, true));
    });
}
