#pragma once
// Documents read once and asked many times: ingest feeds a file through the model once and
// stores the resulting state; every question starts from a fresh copy of that state as a
// chat turn "User: {question}\n\nAssistant:" that ends at the turn end. One per thread.
#include "core/chat_session.h"
#include "core/document_reader.h"
#include "core/generator.h"
#include "core/model.h"
#include "core/store/store.h"
#include "core/tokenizer/tokenizer.h"

#include <cstdint>
#include <filesystem>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>

namespace rwkv {

struct IngestOptions {
    std::string name;       // empty: the file name
    int chunkTokens = 512;  // tokens per forward call (progress and cancel granularity)
};

struct IngestResult {
    DocumentRecord document;
    bool alreadyStored = false;  // the same content was already read with these weights
    int64_t readNs = 0;          // feeding the model
    int64_t saveNs = 0;          // compressing and committing the state
};

class DocumentLibrary {
public:
    // weightsPath is recorded with the weights' fingerprint.
    DocumentLibrary(Store& store, Model& model, const Tokenizer& tokenizer, std::filesystem::path weightsPath);

    // Reads a UTF-8 text or Markdown file from the model's initial state and stores the
    // document and its state in one transaction. Throws Error(Cancelled) (nothing stored),
    // Error(BadFile) for a file that is not UTF-8 text, Error(Io).
    IngestResult ingest(const std::filesystem::path& file, const IngestOptions& options = {},
                        const IngestProgressFn& progress = {}, std::stop_token cancel = {});
    // Document by id ("12") or by name; throws Error(InvalidArgument) when there is none.
    DocumentRecord find(std::string_view idOrName);
    // A fresh copy of the state after reading the document. Throws Error(IncompatibleState)
    // when it was read with other weights.
    State documentState(int64_t documentId);
    // Answers one question from a copy of the document's state (the stored state is unchanged).
    GenerationResult ask(int64_t documentId, std::string_view question, const GenerationOptions& options,
                         const TextFn& onText = {}, std::stop_token cancel = {});
    // As ChatSession's: with a lock, ask() takes it per model call; with a decoder, its answer
    // is decoded there (the app's API batch). ingest() takes neither: its caller holds the lock.
    void setModelLock(FairMutex* lock) { m_modelLock = lock; }
    void setReplyDecoder(ReplyDecoder decoder) { m_replyDecoder = std::move(decoder); }

private:
    Store& m_store;
    Model& m_model;
    const Tokenizer& m_tokenizer;
    std::filesystem::path m_weightsPath;
    FairMutex* m_modelLock = nullptr;
    ReplyDecoder m_replyDecoder;
};

} // namespace rwkv
