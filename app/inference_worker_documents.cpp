// The document half of InferenceWorker: read a file once into a cached state, then answer
// questions from copies of that state.
#include "app/chat_settings.h"
#include "app/conversation_rows.h"
#include "app/document_text.h"
#include "app/inference_worker.h"
#include "core/error.h"

#include <chrono>

namespace {

// Progress reaches the UI at most this often.
constexpr qint64 kProgressIntervalNs = 50'000'000;

} // namespace

rwkv::IngestProgressFn InferenceWorker::readingProgress()
{
    return [this, lastEmit = qint64(0)](const rwkv::IngestProgress& p) mutable {
        if (p.elapsedNs - lastEmit < kProgressIntervalNs && p.tokensDone < p.tokensTotal) return;
        lastEmit = p.elapsedNs;
        emit ingestProgress(p.tokensDone, p.tokensTotal, p.elapsedNs);
    };
}

void InferenceWorker::listDocuments()
{
    guarded(QStringLiteral("listing documents"), [&] { emit documentsListed(documentRows(store())); });
}

void InferenceWorker::ingestDocument(const QString& path, std::stop_token cancel)
{
    guarded(QStringLiteral("reading the document"), [&] {
        requireModel();
        if (!m_library) throw rwkv::Error(rwkv::ErrorCode::Database, "the conversation database is not open");
        const DocumentSource source = prepareDocument(path);
        rwkv::IngestOptions options;
        options.name = source.name;
        // Small chunks keep the progress bar and the cancel button responsive on big models.
        options.chunkTokens = 256;
        const std::lock_guard model(m_modelLock);
        const rwkv::IngestResult result = m_library->ingest(source.textFile, options, readingProgress(), cancel);
        const rwkv::DocumentRecord& d = result.document;
        emit documentsListed(documentRows(store()));
        emit documentReady({d.id, QString::fromStdString(d.name), d.tokenCount, d.byteSize}, result.alreadyStored,
                           result.readNs);
    });
}

void InferenceWorker::askDocument(qint64 documentId, const QString& question, const QVariantMap& settings,
                                  std::stop_token cancel)
{
    guarded(QStringLiteral("answering the question"), [&] {
        requireModel();
        if (!m_library) throw rwkv::Error(rwkv::ErrorCode::Database, "the conversation database is not open");
        rwkv::GenerationOptions options = chatGenerationOptions(settings);
        // No model lock here: the library takes it per model call, or answers in the API's batch.
        const auto t0 = std::chrono::steady_clock::now();
        const rwkv::GenerationResult g =
            m_library->ask(documentId, question.toStdString(), options, streamer(), cancel);
        const qint64 totalNs = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
        flushStream();
        TurnStats stats;
        stats.promptTokens = g.prefillTokens;
        stats.prefillNs = g.prefillNs;
        stats.decodeTokens = g.decodeTokens;
        stats.decodeNs = g.decodeNs;
        // Everything before the prompt was fed: copying the cached state (and tokenizing).
        stats.restoreNs = std::max<qint64>(0, totalNs - g.prefillNs - g.decodeNs);
        stats.cancelled = g.reason == rwkv::StopReason::Cancelled;
        emit answerFinished(stats);
    });
}

void InferenceWorker::chatAboutDocument(qint64 documentId, const QVariantMap& settings)
{
    guarded(QStringLiteral("starting a chat about the document"), [&] {
        requireModel();
        if (!m_chat || !m_library) throw rwkv::Error(rwkv::ErrorCode::Database, "the conversation database is not open");
        const rwkv::DocumentRecord d = m_library->find(std::to_string(documentId));
        m_chat->startFromDocument(d, m_library->documentState(documentId), toConversationSettings(settings));
        emit conversationShown(viewOf(m_chat->conversationId(), false));
        emit conversationsListed(conversationRows(store()));
    });
}

void InferenceWorker::readIntoChat(qint64 conversationId, const QString& path, const QVariantMap& settings,
                                   std::stop_token cancel)
{
    guarded(QStringLiteral("reading the document into the chat"), [&] {
        requireModel();
        if (!m_chat) throw rwkv::Error(rwkv::ErrorCode::Database, "the conversation database is not open");
        const DocumentSource source = prepareDocument(path);
        // No model lock here: the session takes it for each model call.
        if (conversationId == 0) m_chat->start(m_model->newState(), "", toConversationSettings(settings));
        else chatFor(conversationId);
        try {
            m_chat->readDocument(m_chat->currentMessageId(), source.textFile, source.name, readingProgress(), cancel);
        } catch (const rwkv::Error&) {
            // A new conversation holds nothing but the document: none is left behind.
            if (conversationId == 0) store().conversations().remove(m_chat->conversationId());
            throw;
        }
        emit conversationShown(viewOf(m_chat->conversationId(), false));
        emit conversationsListed(conversationRows(store()));
    });
}

void InferenceWorker::deleteDocument(qint64 id)
{
    guarded(QStringLiteral("deleting the document"), [&] {
        store().documents().remove(id);
        emit documentsListed(documentRows(store()));
    });
}
