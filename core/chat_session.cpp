#include "core/chat_session.h"

#include "core/error.h"
#include "core/generate_alternatives.h"
#include "core/generation_checks.h"
#include "core/monotonic_clock.h"
#include "core/prompt_format.h"

#include <algorithm>

namespace rwkv {

namespace {

// The first line of the first message, cut at a UTF-8 character boundary.
std::string titleFrom(std::string_view text)
{
    constexpr size_t kMaxTitleBytes = 60;
    std::string_view line = text.substr(0, text.find('\n'));
    if (line.size() <= kMaxTitleBytes) return std::string(line);
    size_t end = kMaxTitleBytes;
    while (end > 0 && (static_cast<unsigned char>(line[end]) & 0xC0) == 0x80) --end;
    return std::string(line.substr(0, end)) + "…";
}

} // namespace

ChatSession::ChatSession(Store& store, Model& model, const Tokenizer& tokenizer, std::filesystem::path weightsPath)
    : m_store(store), m_model(model), m_tokenizer(tokenizer), m_weightsPath(std::move(weightsPath))
{
}

int64_t ChatSession::start(const State& initialState, std::string_view title, const ConversationSettings& settings)
{
    State state = initialState;
    const std::string system = settings.systemPrompt.empty() ? std::string() : cleanUserText(settings.systemPrompt);
    if (!system.empty()) forward(m_tokenizer.encode(systemPrompt(system)), state);
    const EncodedSnapshot encoded = m_store.snapshots().codec().encode(state);

    Transaction tx(m_store.database());
    m_store.snapshots().registerModel(m_model.fingerprint(), m_weightsPath, m_model.config());
    const int64_t id = m_store.conversations().create(title, settings);
    const int64_t root = m_store.conversations().addMessage(id, std::nullopt, MessageRole::System, system);
    m_store.snapshots().insert(encoded, state.weightsFingerprint(), {root, std::nullopt});
    m_store.conversations().setCurrentMessage(id, root);
    tx.commit();
    m_conversation = id;
    m_current = root;
    return id;
}

void ChatSession::open(int64_t conversationId)
{
    const ConversationInfo info = m_store.conversations().get(conversationId);
    if (!info.currentMessageId)
        throw Error(ErrorCode::Database, "conversation " + std::to_string(conversationId) + " has no messages to continue from");
    m_conversation = conversationId;
    m_current = *info.currentMessageId;
}

void ChatSession::requireOpen() const
{
    if (m_conversation == 0) throw Error(ErrorCode::InvalidArgument, "no conversation is open");
}

MessageRecord ChatSession::messageOfThisConversation(int64_t messageId)
{
    requireOpen();
    MessageRecord m = m_store.conversations().message(messageId);
    if (m.conversationId != m_conversation)
        throw Error(ErrorCode::InvalidArgument, "message " + std::to_string(messageId) + " belongs to conversation "
                                                    + std::to_string(m.conversationId) + ", not "
                                                    + std::to_string(m_conversation));
    return m;
}

State ChatSession::restore(int64_t messageId)
{
    const MessageRecord m = m_store.conversations().message(messageId);
    if (m.role == MessageRole::User)
        throw Error(ErrorCode::InvalidArgument, "message " + std::to_string(messageId)
                                                    + " is a user message; continue from the reply before it or after it");
    std::vector<SnapshotInfo> snapshots = m_store.snapshots().forMessage(messageId);
    if (const auto id = snapshotForThisModel(snapshots))
        return m_store.snapshots().load(*id, m_model.config(), m_model.fingerprint());
    if (snapshots.empty()) {
        // Pruned (core/store/state_retention.h): the nearest ancestor's state and the few
        // messages after it, replayed; nothing is written.
        const std::vector<MessageRecord> path = m_store.conversations().pathTo(messageId);
        auto [state, first] = deepestStoredState(path);
        if (first > 0) {
            for (size_t i = first; i < path.size(); ++i) feedMessage(path[i], state);
            return state;
        }
        snapshots = m_store.snapshots().forMessage(path.front().id); // nothing for these weights: why
        if (snapshots.empty())
            throw Error(ErrorCode::Database, "message " + std::to_string(messageId) + " of conversation "
                                                 + std::to_string(m.conversationId) + " has no saved state");
    }
    const std::optional<std::string> path = m_store.snapshots().modelPath(snapshots.front().modelFingerprint);
    throw Error(ErrorCode::IncompatibleState,
                "conversation " + std::to_string(m.conversationId) + " was saved with other weights ("
                    + (path ? *path + ", " : std::string()) + "fingerprint " + snapshots.front().modelFingerprint.substr(0, 12)
                    + "…), so its state cannot continue with this model; rebuild the state by replaying its text");
}

ChatTurn ChatSession::send(std::string_view userText, const GenerationOptions& options, const TextFn& onText,
                           std::stop_token cancel)
{
    requireOpen();
    return runTurns(m_current, std::nullopt, userText, options, 1, onText, std::move(cancel)).front();
}

ChatTurn ChatSession::sendFrom(int64_t parentMessageId, std::string_view userText, const GenerationOptions& options,
                               const TextFn& onText, std::stop_token cancel)
{
    messageOfThisConversation(parentMessageId);
    return runTurns(parentMessageId, std::nullopt, userText, options, 1, onText, std::move(cancel)).front();
}

ChatTurn ChatSession::regenerate(int64_t assistantMessageId, const GenerationOptions& options, const TextFn& onText,
                                 std::stop_token cancel)
{
    return regenerateAlternatives(assistantMessageId, options, 1, onText, std::move(cancel)).front();
}

std::vector<ChatTurn> ChatSession::regenerateAlternatives(int64_t assistantMessageId, const GenerationOptions& options,
                                                          int alternatives, const TextFn& onText, std::stop_token cancel)
{
    const MessageRecord reply = messageOfThisConversation(assistantMessageId);
    if (reply.role != MessageRole::Assistant || !reply.parentId)
        throw Error(ErrorCode::InvalidArgument, "message " + std::to_string(assistantMessageId) + " is not a reply");
    const MessageRecord question = m_store.conversations().message(*reply.parentId);
    return runTurns(*question.parentId, question.id, question.content, options, alternatives, onText, std::move(cancel));
}

void ChatSession::switchTo(int64_t messageId)
{
    const MessageRecord m = messageOfThisConversation(messageId);
    if (m.role == MessageRole::User)
        throw Error(ErrorCode::InvalidArgument, "message " + std::to_string(messageId)
                                                    + " is a user message; switch to a reply or the root");
    m_store.conversations().setCurrentMessage(m_conversation, messageId);
    m_current = messageId;
}

std::vector<ChatTurn> ChatSession::runTurns(int64_t parentMessageId, std::optional<int64_t> userMessageId,
                                            std::string_view userText, const GenerationOptions& options, int alternatives,
                                            const TextFn& onText, std::stop_token cancel)
{
    throwIfProblem(checkPromptText(userText, "the message", true));
    if (alternatives < 1 || alternatives > kMaxBatch)
        throw Error(ErrorCode::InvalidArgument, "alternatives: 1 to " + std::to_string(kMaxBatch) + " replies at once");
    const std::string text = cleanUserText(userText);
    int64_t t0 = nowNs();
    State state = restore(parentMessageId);
    const int64_t restoreNs = nowNs() - t0;

    // A reply always ends at the turn end, whatever stop strings the caller asked for.
    GenerationOptions chatOptions = options;
    if (std::find(chatOptions.stopStrings.begin(), chatOptions.stopStrings.end(), kTurnEnd) == chatOptions.stopStrings.end())
        chatOptions.stopStrings.emplace_back(kTurnEnd);
    chatOptions.dropLeadingSpace = true;
    const std::vector<int32_t> prompt = m_tokenizer.encode(chatPrompt(text));
    std::vector<GenerationOptions> each(size_t(alternatives), chatOptions);
    for (size_t i = 0; i < each.size(); ++i)
        if (chatOptions.sampling.seed) each[i].sampling.seed = *chatOptions.sampling.seed + i;
    const auto firstText = [&](int i, std::string_view t) {
        if (i == 0 && onText) onText(t);
    };
    std::vector<Alternative> replies;
    if (m_replyDecoder)
        replies = m_replyDecoder(prompt, state, each, firstText, cancel);
    else if (alternatives == 1) // the single stream
        replies.push_back(
            {generate(m_model, &m_tokenizer, prompt, state, chatOptions, onText, cancel, m_modelLock), std::move(state)});
    else
        replies = generateAlternatives(m_model, &m_tokenizer, prompt, state, each, firstText, cancel, m_modelLock);
    // A reply cut by the token limit or a cancel still closes its turn, so the stored state
    // is always at a turn boundary and the next "User:" starts a fresh line as in training.
    for (Alternative& r : replies)
        if (r.result.reason != StopReason::StopString) forward(m_tokenizer.encode(kTurnEnd), r.state);
    {
        const std::unique_lock lock = lockModel(); // home from a device or the batch slots
        for (const Alternative& r : replies) (void)r.state.data();
    }

    // Compress before taking the write lock, so other connections wait only for the write.
    t0 = nowNs();
    std::vector<EncodedSnapshot> encoded;
    for (const Alternative& r : replies) encoded.push_back(m_store.snapshots().codec().encode(r.state));
    ConversationStore& conversations = m_store.conversations();
    Transaction tx(m_store.database());
    m_store.snapshots().registerModel(m_model.fingerprint(), m_weightsPath, m_model.config());
    const int64_t userId = userMessageId ? *userMessageId
                                         : conversations.addMessage(m_conversation, parentMessageId, MessageRole::User, text);
    std::vector<ChatTurn> turns(replies.size());
    for (size_t i = 0; i < replies.size(); ++i) {
        ChatTurn& turn = turns[i];
        turn.userMessageId = userId;
        turn.generation = std::move(replies[i].result);
        turn.promptTokens = int64_t(prompt.size());
        turn.restoreNs = restoreNs;
        turn.assistantMessageId = conversations.addMessage(m_conversation, userId, MessageRole::Assistant, turn.generation.text);
        turn.snapshotId = m_store.snapshots().insert(encoded[i], replies[i].state.weightsFingerprint(),
                                                     {turn.assistantMessageId, std::nullopt});
    }
    conversations.setCurrentMessage(m_conversation, turns.front().assistantMessageId);
    if (conversations.get(m_conversation).title.empty()) conversations.setTitle(m_conversation, titleFrom(text));
    tx.commit();
    const int64_t saveNs = nowNs() - t0;
    for (ChatTurn& turn : turns) turn.saveNs = saveNs;
    m_current = turns.front().assistantMessageId;
    return turns;
}

int ChatSession::rebuildByReplay(int64_t messageId, std::stop_token cancel)
{
    messageOfThisConversation(messageId);
    const std::vector<MessageRecord> path = m_store.conversations().pathTo(messageId);
    auto [state, first] = deepestStoredState(path);
    int written = 0;
    for (size_t i = first; i < path.size(); ++i) {
        const MessageRecord& m = path[i];
        if (cancel.stop_requested()) throw Error(ErrorCode::Cancelled, "rebuilding the conversation was cancelled");
        feedMessage(m, state);
        if (m.role == MessageRole::User) continue;
        const EncodedSnapshot encoded = m_store.snapshots().codec().encode(state);
        Transaction tx(m_store.database());
        m_store.snapshots().registerModel(m_model.fingerprint(), m_weightsPath, m_model.config());
        m_store.snapshots().insert(encoded, state.weightsFingerprint(), {m.id, std::nullopt});
        tx.commit();
        ++written;
    }
    return written;
}

std::optional<int64_t> ChatSession::snapshotForThisModel(const std::vector<SnapshotInfo>& snapshots) const
{
    const std::string mine = fingerprintHex(m_model.fingerprint());
    for (const SnapshotInfo& s : snapshots)
        if (s.modelFingerprint == mine) return s.id;
    return std::nullopt;
}

std::pair<State, size_t> ChatSession::deepestStoredState(const std::vector<MessageRecord>& path)
{
    for (size_t i = path.size(); i-- > 0;) {
        if (path[i].role == MessageRole::User) continue;
        if (const auto id = snapshotForThisModel(m_store.snapshots().forMessage(path[i].id)))
            return {m_store.snapshots().load(*id, m_model.config(), m_model.fingerprint()), i + 1};
        if (path[i].role == MessageRole::Document)
            throw Error(ErrorCode::IncompatibleState,
                        "the conversation read document '" + path[i].content
                            + "' with other weights, and a document's text is not kept to read it again; read it "
                              "into a chat with this model instead");
    }
    return {m_model.newState(), 0};
}

void ChatSession::feedMessage(const MessageRecord& m, State& state)
{
    std::string text;
    if (m.role == MessageRole::System)
        text = m.content.empty() ? std::string() : systemPrompt(m.content);
    else if (m.role == MessageRole::User)
        text = chatPrompt(m.content);
    else if (m.role == MessageRole::Document) // deepestStoredState never replays past one
        throw Error(ErrorCode::Database, "document message " + std::to_string(m.id) + " cannot be replayed");
    else // a reply is stored without the space after "Assistant:" (older ones kept it)
        text = (m.content.starts_with(' ') ? "" : " ") + m.content + std::string(kTurnEnd);
    if (!text.empty()) forward(m_tokenizer.encode(text), state);
}

std::unique_lock<FairMutex> ChatSession::lockModel()
{
    return lockIfShared(m_modelLock);
}

std::vector<float> ChatSession::forward(std::span<const int32_t> tokens, State& state)
{
    const std::unique_lock lock = lockModel();
    std::vector<float> logits = m_model.forward(tokens, state);
    (void)state.data();
    return logits;
}

} // namespace rwkv
