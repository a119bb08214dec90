#include "core/store/transfer.h"

#include "core/error.h"
#include "core/store/transfer_description.h"
#include "core/store/transfer_file.h"
#include "core/utf8_path.h"

#include <map>
#include <set>
#include <system_error>

namespace rwkv {

namespace {

// The models table rows of these weights, with only the file's name (not where it lies on
// this machine) going into the file.
std::vector<ModelRecord> modelsOf(Store& store, const std::set<std::string>& fingerprints)
{
    std::vector<ModelRecord> out;
    for (const std::string& f : fingerprints) {
        std::optional<ModelRecord> m = store.snapshots().model(f);
        if (!m) throw Error(ErrorCode::Database, "the weights of fingerprint " + f + " are not recorded in the models table");
        m->path = pathToUtf8(pathFromUtf8(m->path).filename());
        out.push_back(std::move(*m));
    }
    return out;
}

int64_t fileSize(const std::filesystem::path& file)
{
    std::error_code ec;
    const auto size = std::filesystem::file_size(file, ec);
    return ec ? 0 : int64_t(size);
}

EncodedSnapshot encodedCopy(const TransferSection& s)
{
    EncodedSnapshot out;
    out.data.assign(s.data.begin(), s.data.end());
    out.byteSize = s.byteSize;
    out.checksum = s.checksum;
    out.formatVersion = s.formatVersion;
    return out;
}

// Refuses a state of other weights by its fingerprint, then decodes it against the loaded
// model: the snapshot codec's size and checksum checks and State::deserialize's check of the
// shape and fingerprint in its header, exactly as a restore from the store does.
void checkState(SnapshotCodec& codec, const TransferSection& section, const StateReference& ref,
                const std::vector<ModelRecord>& models, const TransferModel& model, const std::string& what)
{
    const std::string mine = fingerprintHex(model.weights);
    if (ref.model != mine)
        throw Error(ErrorCode::IncompatibleState, what + " was saved with other weights (" + describeWeights(models, ref.model)
                                                      + ") than the loaded model (fingerprint " + mine.substr(0, 12)
                                                      + "…); import it with those weights (--model)");
    try {
        codec.decode(section.data, section.byteSize, section.checksum, section.formatVersion, model.config, model.weights,
                     what);
    } catch (const Error& e) {
        if (e.code() == ErrorCode::IncompatibleState) throw Error(e.code(), what + ": " + e.what());
        throw Error(ErrorCode::BadFile, e.what()); // "WHAT is damaged (…)": a bad file, not a bad database
    }
}

TransferContents readKind(const std::filesystem::path& file, TransferKind kind)
{
    TransferContents contents = readTransferFile(file);
    if (contents.kind != kind)
        throw Error(ErrorCode::InvalidArgument, pathToUtf8(file) + " holds a " + std::string(transferKindName(contents.kind))
                                                    + ", not a " + std::string(transferKindName(kind)) + "; use "
                                                    + (contents.kind == TransferKind::State ? "state" : "conv") + " import");
    return contents;
}

} // namespace

ExportSummary exportNamedState(Store& store, const std::string& name, const std::filesystem::path& file)
{
    const std::optional<SnapshotInfo> info = store.snapshots().named(name);
    if (!info)
        throw Error(ErrorCode::InvalidArgument, "no state named '" + name + "' in " + pathToUtf8(store.database().path()));
    const EncodedSnapshot encoded = store.snapshots().loadEncoded(info->id);
    StateDescription d;
    d.name = name;
    d.note = info->note;
    d.state = {std::nullopt, info->modelFingerprint, 0, info->createdAt};
    d.models = modelsOf(store, {info->modelFingerprint});
    TransferFileWriter writer(file, TransferKind::State, describeState(d), 1);
    writer.addSection(encoded);
    writer.commit();
    return {0, 1, encoded.byteSize, fileSize(file)};
}

ImportedState importNamedState(Store& store, const std::filesystem::path& file, const TransferModel& model,
                               const std::optional<std::string>& name, bool replace)
{
    const TransferContents contents = readKind(file, TransferKind::State);
    const std::string fileName = pathToUtf8(file);
    const StateDescription d = parseStateDescription(contents.description, contents.sections.size(), fileName);
    ImportedState out;
    out.name = name.value_or(d.name);
    if (out.name.empty()) throw Error(ErrorCode::InvalidArgument, "the state needs a name (--name N)");
    const TransferSection& section = contents.sections[d.state.section];
    checkState(store.snapshots().codec(), section, d.state, d.models, model, fileName + ": its state");

    Transaction tx(store.database());
    const std::optional<SnapshotInfo> existing = store.snapshots().named(out.name);
    if (existing && !replace)
        throw Error(ErrorCode::InvalidArgument,
                    "a state named '" + out.name + "' exists; use --name N for another name or --replace");
    store.snapshots().registerModel(model.weights, model.path, model.config);
    if (existing) store.snapshots().remove(existing->id);
    out.snapshotId = store.snapshots().insert(encodedCopy(section), model.weights, {std::nullopt, out.name});
    if (!d.note.empty()) store.snapshots().setNote(out.snapshotId, d.note);
    tx.commit();
    out.replaced = existing.has_value();
    return out;
}

ExportSummary exportConversation(Store& store, int64_t id, const std::filesystem::path& file)
{
    ConversationStore& conversations = store.conversations();
    const ConversationInfo info = conversations.get(id);
    ConversationDescription d;
    d.title = info.title;
    d.settings = conversations.settings(id);
    d.currentMessage = info.currentMessageId;
    d.messages = conversations.messages(id); // by id: a parent always comes before its children
    std::vector<int64_t> snapshotIds;
    std::set<std::string> fingerprints;
    for (const MessageRecord& m : d.messages)
        for (const SnapshotInfo& s : store.snapshots().forMessage(m.id)) {
            d.states.push_back({m.id, s.modelFingerprint, snapshotIds.size(), s.createdAt});
            snapshotIds.push_back(s.id);
            fingerprints.insert(s.modelFingerprint);
        }
    d.models = modelsOf(store, fingerprints);

    TransferFileWriter writer(file, TransferKind::Conversation, describeConversation(d), uint32_t(snapshotIds.size()));
    ExportSummary out{int64_t(d.messages.size()), int64_t(snapshotIds.size()), 0, 0};
    for (const int64_t snapshot : snapshotIds) {
        const EncodedSnapshot encoded = store.snapshots().loadEncoded(snapshot); // one state in memory at a time
        writer.addSection(encoded);
        out.stateBytes += encoded.byteSize;
    }
    writer.commit();
    out.fileBytes = fileSize(file);
    return out;
}

ImportedConversation importConversation(Store& store, const std::filesystem::path& file, const TransferModel& model)
{
    const TransferContents contents = readKind(file, TransferKind::Conversation);
    const std::string fileName = pathToUtf8(file);
    const ConversationDescription d = parseConversationDescription(contents.description, contents.sections.size(), fileName);

    // Every state of these weights is checked before the transaction; others are left out.
    const std::string mine = fingerprintHex(model.weights);
    std::vector<const StateReference*> kept;
    for (const StateReference& ref : d.states) {
        if (ref.model != mine) continue;
        checkState(store.snapshots().codec(), contents.sections[ref.section], ref, d.models, model,
                   fileName + ": the state of message " + std::to_string(*ref.message));
        kept.push_back(&ref);
    }
    if (!d.states.empty() && kept.empty())
        throw Error(ErrorCode::IncompatibleState, fileName + ": its states were saved with other weights ("
                                                      + describeWeights(d.models, d.states.front().model)
                                                      + ") than the loaded model (fingerprint " + mine.substr(0, 12)
                                                      + "…); import it with those weights (--model)");

    ImportedConversation out;
    ConversationStore& conversations = store.conversations();
    Transaction tx(store.database());
    if (!kept.empty()) store.snapshots().registerModel(model.weights, model.path, model.config);
    out.conversationId = conversations.create(d.title, d.settings);
    std::map<int64_t, int64_t> newIds; // id in the file → id in this database
    for (const MessageRecord& m : d.messages) {
        const std::optional<int64_t> parent = m.parentId ? std::optional(newIds.at(*m.parentId)) : std::nullopt;
        newIds[m.id] = conversations.addMessage(out.conversationId, parent, m.role, m.content, m.createdAt,
                                                  m.tokenCount);
    }
    for (const StateReference* ref : kept)
        store.snapshots().insert(encodedCopy(contents.sections[ref->section]), model.weights,
                                 {newIds.at(*ref->message), std::nullopt});
    if (d.currentMessage) conversations.setCurrentMessage(out.conversationId, newIds.at(*d.currentMessage));
    tx.commit();
    out.messages = int64_t(d.messages.size());
    out.states = int64_t(kept.size());
    out.statesOfOtherWeights = int64_t(d.states.size() - kept.size());
    return out;
}

} // namespace rwkv
