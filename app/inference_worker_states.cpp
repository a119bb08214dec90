// The named-state half of InferenceWorker: "Save state…" on a message, the sidebar's list of
// saved states (each marked usable or not with the loaded model, and why), a new chat from
// one, renaming and deleting one. The same named snapshots as `rwkv-cli state save/load/list/
// rename/rm`.
#include "app/chat_settings.h"
#include "app/conversation_rows.h"
#include "app/inference_worker.h"
#include "core/error.h"
#include "core/utf8_path.h"

#include <algorithm>

namespace {

QString qs(const std::string& s) { return QString::fromStdString(s); }

// "demo.pth" for weights the models table knows, else the fingerprint's start.
QString weightsName(const std::string& fingerprint, const std::optional<rwkv::ModelRecord>& model)
{
    if (model && !model->path.empty()) return qs(rwkv::pathToUtf8(rwkv::pathFromUtf8(model->path).filename()));
    return qs(fingerprint.substr(0, 12)) + QStringLiteral("…");
}

} // namespace

QList<StateRow> InferenceWorker::stateRows()
{
    const std::string mine = m_model ? rwkv::fingerprintHex(m_model->fingerprint()) : std::string();
    QList<StateRow> rows;
    for (const rwkv::SnapshotInfo& s : store().snapshots().listNamed()) {
        const std::optional<rwkv::ModelRecord> model = store().snapshots().model(s.modelFingerprint);
        StateRow row;
        row.id = s.id;
        row.name = qs(s.name);
        row.note = qs(s.note);
        row.modelName = weightsName(s.modelFingerprint, model);
        row.byteSize = s.byteSize;
        row.createdAtMs = s.createdAt;
        row.usable = !mine.empty() && s.modelFingerprint == mine;
        if (mine.empty()) {
            row.reason = QStringLiteral("no model is loaded");
        } else if (!row.usable) {
            // A state holds numbers of exactly these weights: another model, even of the same
            // shape, would read them as noise.
            const bool sameShape = model && model->nLayer == m_model->config().nLayer && model->nEmbd == m_model->config().nEmbd;
            row.reason = QStringLiteral("made with other weights (%1%2); load them to use it")
                             .arg(row.modelName,
                                  model && !sameShape ? QStringLiteral(", L%1 C%2").arg(model->nLayer).arg(model->nEmbd) : QString());
        }
        rows.append(row);
    }
    std::stable_sort(rows.begin(), rows.end(), [](const StateRow& a, const StateRow& b) { return a.createdAtMs > b.createdAtMs; });
    return rows;
}

void InferenceWorker::listStates()
{
    guarded(QStringLiteral("listing saved states"), [&] { emit statesListed(stateRows()); });
}

void InferenceWorker::saveMessageState(qint64 conversationId, qint64 messageId, const QString& name, const QString& note)
{
    guarded(QStringLiteral("saving the state"), [&] {
        const std::string n = name.trimmed().toStdString();
        if (n.empty()) throw rwkv::Error(rwkv::ErrorCode::InvalidArgument, "the state needs a name");
        if (store().snapshots().named(n))
            throw rwkv::Error(rwkv::ErrorCode::InvalidArgument,
                              "a state named '" + n + "' exists; choose another name or delete that one first");
        // The message's own snapshot for the loaded weights (no replay); a user message has none.
        const rwkv::State state = chatFor(conversationId).restore(messageId);
        store().snapshots().registerModel(m_model->fingerprint(), m_modelPath, m_model->config());
        rwkv::Transaction tx(store().database());
        const int64_t id = store().snapshots().save(state, {std::nullopt, n});
        store().snapshots().setNote(id, note.trimmed().toStdString());
        tx.commit();
        emit statesListed(stateRows());
    });
}

void InferenceWorker::startFromState(qint64 stateId, const QVariantMap& settings)
{
    guarded(QStringLiteral("starting a chat from the state"), [&] {
        requireModel();
        if (!m_chat) throw rwkv::Error(rwkv::ErrorCode::Database, "the conversation database is not open");
        const std::optional<rwkv::SnapshotInfo> info = store().snapshots().info(stateId);
        if (!info || info->name.empty())
            throw rwkv::Error(rwkv::ErrorCode::InvalidArgument, "that state is no longer saved");
        // Refuses other weights with the store's message, as a restore does.
        const rwkv::State state = store().snapshots().load(stateId, m_model->config(), m_model->fingerprint());
        const int64_t id = m_chat->start(state, info->name, toConversationSettings(settings));
        emit conversationsListed(conversationRows(store()));
        emit conversationStarted(id);
    });
}

void InferenceWorker::deleteState(qint64 stateId)
{
    guarded(QStringLiteral("deleting the state"), [&] {
        const std::optional<rwkv::SnapshotInfo> info = store().snapshots().info(stateId);
        // Only named states: a message's or a document's snapshot is not the sidebar's to delete.
        if (info && !info->name.empty()) store().snapshots().remove(stateId);
        emit statesListed(stateRows());
    });
}

void InferenceWorker::renameState(qint64 stateId, const QString& name)
{
    guarded(QStringLiteral("renaming the state"), [&] {
        store().snapshots().rename(stateId, name.trimmed().toStdString());
        emit statesListed(stateRows());
    });
}
