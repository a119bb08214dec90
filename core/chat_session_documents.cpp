// ChatSession's document messages: a chat that starts from a document's stored state, and a
// document read into a chat on top of any root, reply or document message.
#include "core/chat_session.h"

#include "core/error.h"
#include "core/monotonic_clock.h"
#include "core/utf8_path.h"

namespace rwkv {

DocumentTurn ChatSession::startFromDocument(const DocumentRecord& document, const State& documentState,
                                            ConversationSettings settings)
{
    settings.systemPrompt.clear();
    // One transaction: a conversation never exists without its document.
    Transaction tx(m_store.database());
    start(m_model.newState(), document.name, settings);
    DocumentTurn turn = saveDocumentMessage(m_current, document.name, document.tokenCount, documentState);
    tx.commit();
    return turn;
}

DocumentTurn ChatSession::readDocument(int64_t parentMessageId, const std::filesystem::path& file, std::string_view name,
                                       const IngestProgressFn& progress, std::stop_token cancel)
{
    if (messageOfThisConversation(parentMessageId).role == MessageRole::User)
        throw Error(ErrorCode::InvalidArgument, "message " + std::to_string(parentMessageId)
                                                    + " is a user message; read a document after a reply");
    const DocumentRead scan = scanDocument(file, m_tokenizer);
    State state = restore(parentMessageId);
    std::unique_lock lock = lockModel(); // the whole read: a document is not read token by token
    const DocumentRead read =
        rwkv::readDocument(m_model, m_tokenizer, file, state, scan, 512, progress, std::move(cancel));
    (void)state.data();
    lock = {};
    DocumentTurn turn =
        saveDocumentMessage(parentMessageId, name.empty() ? pathToUtf8(file.filename()) : std::string(name), read.tokens, state);
    turn.readNs = read.elapsedNs;
    return turn;
}

DocumentTurn ChatSession::saveDocumentMessage(int64_t parentId, std::string_view name, int64_t tokens, const State& state)
{
    DocumentTurn turn;
    turn.tokens = tokens;
    const int64_t t0 = nowNs();
    const EncodedSnapshot encoded = m_store.snapshots().codec().encode(state);
    ConversationStore& conversations = m_store.conversations();
    Transaction tx(m_store.database());
    m_store.snapshots().registerModel(m_model.fingerprint(), m_weightsPath, m_model.config());
    turn.messageId = conversations.addMessage(m_conversation, parentId, MessageRole::Document, name, 0, tokens);
    turn.snapshotId = m_store.snapshots().insert(encoded, state.weightsFingerprint(), {turn.messageId, std::nullopt});
    conversations.setCurrentMessage(m_conversation, turn.messageId);
    if (conversations.get(m_conversation).title.empty()) conversations.setTitle(m_conversation, name);
    tx.commit();
    turn.saveNs = nowNs() - t0;
    m_current = turn.messageId;
    return turn;
}

} // namespace rwkv
