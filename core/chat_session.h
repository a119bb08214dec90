#pragma once
// A stored chat: every completed turn leaves a snapshot of the state on its assistant
// message, so continuing, regenerating, editing and switching branches restore a parent's
// snapshot instead of replaying history. Shared by the CLI and the app; one per thread.
//
// Tree: the root is a system message (the system prompt, possibly empty) whose snapshot is
// the initial state after that prompt; then user → assistant → user → ..., with document
// messages (a document read into the state) after the root or a reply. The root, assistant
// and document messages have snapshots (one per weights fingerprint); a document's text is not
// stored, so its snapshot is the only way back to its state.
#include "core/document_reader.h"
#include "core/fair_mutex.h"
#include "core/generate_alternatives.h"
#include "core/generator.h"
#include "core/model.h"
#include "core/store/store.h"
#include "core/tokenizer/tokenizer.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rwkv {

struct ChatTurn {
    int64_t userMessageId = 0;
    int64_t assistantMessageId = 0;
    int64_t snapshotId = 0;
    GenerationResult generation;   // generation.text is the reply (the stored assistant text)
    int64_t promptTokens = 0;      // tokens fed before sampling: this turn's prompt only
    int64_t restoreNs = 0;         // restoring the parent's snapshot
    int64_t saveNs = 0;            // compressing and committing the new snapshot
};

struct DocumentTurn {
    int64_t messageId = 0;   // the document message
    int64_t snapshotId = 0;
    int64_t tokens = 0;      // tokens read
    int64_t readNs = 0;      // feeding the model (0 when the document's stored state was used)
    int64_t saveNs = 0;
};

using TextFn = std::function<void(std::string_view)>;

class ChatSession {
public:
    // weightsPath is recorded with the weights' fingerprint so errors can name the file.
    ChatSession(Store& store, Model& model, const Tokenizer& tokenizer, std::filesystem::path weightsPath);

    // Creates a conversation whose root state is initialState after the system prompt of
    // `settings`, and selects it. Returns its id.
    int64_t start(const State& initialState, std::string_view title, const ConversationSettings& settings);
    // "Chat about this document": a conversation titled by the document whose first message
    // is the document, with `documentState` (DocumentLibrary::documentState) as its state, so
    // the first question is answered as DocumentLibrary::ask answers it and later ones also
    // remember the dialogue. No system prompt: the document state was read without one.
    // Selects it and returns the document turn.
    DocumentTurn startFromDocument(const DocumentRecord& document, const State& documentState,
                                   ConversationSettings settings);
    // "Read into this chat": reads a UTF-8 text file (as DocumentLibrary::ingest does) on top of
    // the state after `parentMessageId` (root, reply or document) and stores it as a document
    // message named `name` (empty: the file name), which becomes current. Throws
    // Error(Cancelled) (nothing stored), Error(BadFile), Error(Io).
    DocumentTurn readDocument(int64_t parentMessageId, const std::filesystem::path& file, std::string_view name = {},
                              const IngestProgressFn& progress = {}, std::stop_token cancel = {});

    // Selects a stored conversation; it continues from its current message. Throws
    // Error(InvalidArgument) when there is no such conversation.
    void open(int64_t conversationId);
    int64_t conversationId() const { return m_conversation; }
    // The lock others take around their use of the model (the app's API server): with one,
    // every model call of this session takes it for that call only, so a turn lets others in
    // between its tokens instead of holding the model to its end. Borrowed; null = none.
    void setModelLock(FairMutex* lock) { m_modelLock = lock; }
    // Who decodes the replies of a turn (with the model lock above, the app's API server's
    // running batch, so its turns and the API's requests share each step's read of the
    // weights). Empty (the default): generate() and generateAlternatives() on this thread.
    void setReplyDecoder(ReplyDecoder decoder) { m_replyDecoder = std::move(decoder); }
    int64_t currentMessageId() const { return m_current; }

    // The state after message `messageId` (root or assistant), from its snapshot; for a message
    // whose snapshot was pruned (core/store/state_retention.h), from the nearest ancestor's
    // snapshot and a replay of the messages after it. Throws Error(IncompatibleState) when it
    // was saved only with other weights (rebuildByReplay fixes that), Error(Database) when no
    // state to start from is left or a snapshot is damaged.
    State restore(int64_t messageId);

    // A turn after the current message.
    ChatTurn send(std::string_view userText, const GenerationOptions& options, const TextFn& onText = {},
                  std::stop_token cancel = {});
    // A turn after any root or assistant message: editing a message and resending, or
    // branching. The new messages become siblings of that message's existing children.
    ChatTurn sendFrom(int64_t parentMessageId, std::string_view userText, const GenerationOptions& options,
                      const TextFn& onText = {}, std::stop_token cancel = {});
    // Another reply to the user message of `assistantMessageId`, as its sibling.
    ChatTurn regenerate(int64_t assistantMessageId, const GenerationOptions& options, const TextFn& onText = {},
                        std::stop_token cancel = {});
    // `alternatives` (1…kMaxBatch) more replies to the user message of `assistantMessageId` at
    // once, decoded together (core/generate_alternatives.h), each a new sibling; reply i samples
    // with the options' seed + i when they have one. The first becomes current; onText streams
    // the first only. Returns the turns in order.
    std::vector<ChatTurn> regenerateAlternatives(int64_t assistantMessageId, const GenerationOptions& options,
                                                 int alternatives, const TextFn& onText = {}, std::stop_token cancel = {});
    // Continues from `messageId` (root, assistant or document) from now on.
    void switchTo(int64_t messageId);

    // Recomputes, for the loaded weights, the snapshot of every root and assistant message on
    // the path to messageId by feeding the stored text (tokenized afresh, so a token sequence
    // the sampler chose differently from the tokenizer's is not reproduced). The initial state
    // is the model's own. Returns the number of snapshots written. Throws Error(Cancelled).
    int rebuildByReplay(int64_t messageId, std::stop_token cancel = {});

private:
    // One reply, or several decoded together, after `userText` following parentMessageId (an
    // existing user message when userMessageId is set); stored in one transaction.
    std::vector<ChatTurn> runTurns(int64_t parentMessageId, std::optional<int64_t> userMessageId,
                                   std::string_view userText, const GenerationOptions& options, int alternatives,
                                   const TextFn& onText, std::stop_token cancel);
    MessageRecord messageOfThisConversation(int64_t messageId);
    void requireOpen() const;
    // The one of a message's snapshots made with the loaded weights, if any.
    std::optional<int64_t> snapshotForThisModel(const std::vector<SnapshotInfo>& snapshots) const;
    // The state of the deepest root or reply of `path` (root first) with a snapshot for these
    // weights, and the index after it; the model's initial state and 0 when none has one.
    std::pair<State, size_t> deepestStoredState(const std::vector<MessageRecord>& path);
    // Advances `state` by message m's text as the chat format writes it (replay).
    void feedMessage(const MessageRecord& m, State& state);
    // m_modelLock taken, when there is one.
    std::unique_lock<FairMutex> lockModel();
    // m_model.forward under the model lock; the state comes home (from a device) before the
    // lock is let go, so reading it later never races another user of the model.
    std::vector<float> forward(std::span<const int32_t> tokens, State& state);
    // Stores a document message after parentId with `state` and makes it current.
    DocumentTurn saveDocumentMessage(int64_t parentId, std::string_view name, int64_t tokens, const State& state);

    Store& m_store;
    Model& m_model;
    const Tokenizer& m_tokenizer;
    std::filesystem::path m_weightsPath;
    FairMutex* m_modelLock = nullptr;
    ReplyDecoder m_replyDecoder;
    int64_t m_conversation = 0;
    int64_t m_current = 0;
};

} // namespace rwkv
