// The file half of InferenceWorker: a conversation or a named state to and from a .rwkvx file
// (core/store/transfer.h), a state-tuning file (.pth, .safetensors) in as a named state, and a
// conversation to Markdown. An import is checked against the
// loaded model and written in one transaction by the core, so a refused file leaves nothing.
#include "app/conversation_rows.h"
#include "app/inference_worker.h"
#include "core/error.h"
#include "core/state_file.h"
#include "core/store/conversation_markdown.h"
#include "core/store/transfer.h"
#include "core/store/transfer_description.h"
#include "core/store/transfer_file.h"
#include "core/utf8_path.h"

#include <QFileInfo>

#include <system_error>

namespace {

// Where an export is written first: beside `target`, so the rename over it stays on one disk.
std::filesystem::path scratchBeside(const std::filesystem::path& target)
{
    std::filesystem::path scratch = target;
    scratch += ".exporting";
    std::error_code ignored;
    std::filesystem::remove(scratch, ignored);  // left by an export that crashed
    return scratch;
}

// `wanted`, or "wanted (2)", "wanted (3)"…: the first name no saved state has. A dropped file
// never replaces a state the user kept.
std::string freeStateName(rwkv::Store& store, const std::string& wanted)
{
    const std::string base = wanted.empty() ? "imported state" : wanted;
    std::string name = base;
    for (int n = 2; store.snapshots().named(name); ++n) name = base + " (" + std::to_string(n) + ")";
    return name;
}

} // namespace

void InferenceWorker::importStateTuningFile(const std::filesystem::path& file)
{
    // Checked against the loaded model's shape; kept as a named state of its weights, so the
    // States list offers it for new chats like any other.
    const rwkv::State state = rwkv::loadStateFile(file, m_model->config(), m_model->fingerprint());
    const std::string name = freeStateName(store(), rwkv::pathToUtf8(file.stem()));
    rwkv::Transaction tx(store().database());
    store().snapshots().registerModel(m_model->fingerprint(), m_modelPath, m_model->config());
    const int64_t id = store().snapshots().save(state, {std::nullopt, name});
    store().snapshots().setNote(id, "state-tuning file " + rwkv::pathToUtf8(file.filename()));
    tx.commit();
    emit stateImported(QString::fromStdString(name));
    emit statesListed(stateRows());
}

void InferenceWorker::importTransferFile(const QString& path)
{
    guarded(QStringLiteral("importing %1").arg(QFileInfo(path).fileName()), [&] {
        requireModel();
        const std::filesystem::path file = rwkv::pathFromUtf8(path.toStdString());
        if (QFileInfo(path).suffix().compare(u"rwkvx", Qt::CaseInsensitive) != 0) {
            importStateTuningFile(file);
            return;
        }
        const rwkv::TransferModel model{m_model->config(), m_model->fingerprint(), m_modelPath};
        // The header says what the file holds; the importer reads and checks it all again.
        const rwkv::TransferContents contents = rwkv::readTransferFile(file);
        if (contents.kind == rwkv::TransferKind::State) {
            const rwkv::StateDescription d =
                rwkv::parseStateDescription(contents.description, contents.sections.size(), path.toStdString());
            const rwkv::ImportedState s = rwkv::importNamedState(store(), file, model, freeStateName(store(), d.name), false);
            emit stateImported(QString::fromStdString(s.name));
            emit statesListed(stateRows());
            return;
        }
        const rwkv::ImportedConversation c = rwkv::importConversation(store(), file, model);
        emit conversationsListed(conversationRows(store()));
        // Counted as the sidebar counts them: user and assistant messages, not the system root.
        const qint64 shown = store().conversations().get(c.conversationId).messageCount;
        emit conversationImported(c.conversationId, shown, c.states, c.statesOfOtherWeights);
    });
}

void InferenceWorker::exportConversation(qint64 id, const QString& path, bool markdown)
{
    guarded(QStringLiteral("exporting the conversation"), [&] {
        // The user chose this file and agreed to replace it, but the exporters only write new
        // files: write a new one beside it, then put it in place, so a failure keeps the old one.
        const std::filesystem::path target = rwkv::pathFromUtf8(path.toStdString());
        const std::filesystem::path scratch = scratchBeside(target);
        try {
            qint64 messages = 0, states = 0;
            if (markdown) {
                messages = rwkv::exportConversationMarkdown(store().conversations(), id, scratch);
            } else {
                const rwkv::ExportSummary r = rwkv::exportConversation(store(), id, scratch);
                messages = store().conversations().get(id).messageCount;
                states = r.states;
            }
            std::filesystem::rename(scratch, target);
            emit conversationExported(path, messages, states, qint64(std::filesystem::file_size(target)));
        } catch (const std::filesystem::filesystem_error& e) {
            std::error_code ignored;
            std::filesystem::remove(scratch, ignored);
            throw rwkv::Error(rwkv::ErrorCode::Io, "cannot write " + path.toStdString() + ": " + e.code().message());
        } catch (...) {
            std::error_code ignored;
            std::filesystem::remove(scratch, ignored);
            throw;
        }
    });
}
