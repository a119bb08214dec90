#include "core/document_library.h"

#include "core/error.h"
#include "core/generation_checks.h"
#include "core/monotonic_clock.h"
#include "core/prompt_format.h"
#include "core/utf8_path.h"

#include <algorithm>

namespace rwkv {

DocumentLibrary::DocumentLibrary(Store& store, Model& model, const Tokenizer& tokenizer, std::filesystem::path weightsPath)
    : m_store(store), m_model(model), m_tokenizer(tokenizer), m_weightsPath(std::move(weightsPath))
{
}

IngestResult DocumentLibrary::ingest(const std::filesystem::path& file, const IngestOptions& options,
                                     const IngestProgressFn& progress, std::stop_token cancel)
{
    IngestResult result;
    // The first pass hashes and counts (cheap next to the model), so a document already read
    // is not read again and the progress has a true total.
    const DocumentRead scan = scanDocument(file, m_tokenizer);
    const std::string fingerprint = fingerprintHex(m_model.fingerprint());
    if (auto existing = m_store.documents().findByContent(scan.contentHash, fingerprint)) {
        result.document = *existing;
        result.alreadyStored = true;
        return result;
    }
    State state = m_model.newState();
    const DocumentRead read = readDocument(m_model, m_tokenizer, file, state, scan, options.chunkTokens, progress, cancel);
    result.readNs = read.elapsedNs;

    const int64_t t0 = nowNs();
    const EncodedSnapshot encoded = m_store.snapshots().codec().encode(state);
    Transaction tx(m_store.database());
    m_store.snapshots().registerModel(m_model.fingerprint(), m_weightsPath, m_model.config());
    DocumentRecord& d = result.document;
    d.name = options.name.empty() ? pathToUtf8(file.filename()) : options.name;
    d.contentHash = read.contentHash;
    d.byteSize = int64_t(read.fileBytes);
    d.tokenCount = read.tokens;
    d.modelFingerprint = fingerprint;
    d.snapshotId = m_store.snapshots().insert(encoded, state.weightsFingerprint(), {});
    d.id = m_store.documents().insert(d);
    tx.commit();
    result.saveNs = nowNs() - t0;
    d = *m_store.documents().find(d.id);
    return result;
}

DocumentRecord DocumentLibrary::find(std::string_view idOrName)
{
    const std::string key(idOrName);
    const bool numeric = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) { return c >= '0' && c <= '9'; });
    std::optional<DocumentRecord> d = numeric ? m_store.documents().find(std::stoll(key)) : std::nullopt;
    if (!d) d = m_store.documents().findByName(key);
    if (!d) throw Error(ErrorCode::InvalidArgument, "no document '" + key + "' in " + pathToUtf8(m_store.database().path()));
    return *d;
}

State DocumentLibrary::documentState(int64_t documentId)
{
    const std::optional<DocumentRecord> d = m_store.documents().find(documentId);
    if (!d) throw Error(ErrorCode::InvalidArgument, "no document " + std::to_string(documentId));
    try {
        return m_store.snapshots().load(d->snapshotId, m_model.config(), m_model.fingerprint());
    } catch (const Error& e) {
        if (e.code() != ErrorCode::IncompatibleState) throw;
        throw Error(ErrorCode::IncompatibleState, "document '" + d->name + "' was read with other weights ("
                                                      + e.what() + "); ingest it again with this model");
    }
}

GenerationResult DocumentLibrary::ask(int64_t documentId, std::string_view question, const GenerationOptions& options,
                                      const TextFn& onText, std::stop_token cancel)
{
    const std::string text = cleanUserText(question);
    throwIfProblem(checkPromptText(question, "the question", true));
    State state = documentState(documentId);
    GenerationOptions chatOptions = options;
    if (std::find(chatOptions.stopStrings.begin(), chatOptions.stopStrings.end(), kTurnEnd) == chatOptions.stopStrings.end())
        chatOptions.stopStrings.emplace_back(kTurnEnd);
    chatOptions.dropLeadingSpace = true;
    const std::vector<int32_t> prompt = m_tokenizer.encode(chatPrompt(text));
    if (!m_replyDecoder) return generate(m_model, &m_tokenizer, prompt, state, chatOptions, onText, cancel, m_modelLock);
    const auto text0 = [&](int, std::string_view t) {
        if (onText) onText(t);
    };
    return m_replyDecoder(prompt, state, std::span(&chatOptions, 1), text0, cancel).front().result;
}

} // namespace rwkv
