#include "app/file_transfer.h"

#include "app/inference_worker.h"

#include <QFileInfo>
#include <QLocale>

namespace {

QString localPath(const QUrl& url) { return url.isLocalFile() ? url.toLocalFile() : url.toString(); }

// "1 message", "3 messages" (no translations are loaded, so tr()'s %n plurals would not apply).
QString counted(qint64 n, const char* one, const char* many)
{
    return n == 1 ? FileTransfer::tr(one) : FileTransfer::tr(many).arg(n);
}

} // namespace

FileTransfer::FileTransfer(InferenceWorker& worker, PostJob post, QObject* parent)
    : QObject(parent), m_post(std::move(post))
{
    connect(&worker, &InferenceWorker::conversationImported, this,
            [this](qint64 id, qint64 messages, qint64 states, qint64 otherWeights) {
                QString text = tr("Imported a conversation: %1, %2").arg(counted(messages, "1 message", "%1 messages"),
                                                                           counted(states, "1 saved state", "%1 saved states"));
                if (otherWeights > 0)
                    text += tr("; %1 of other weights left out (Rebuild recomputes them)")
                                .arg(counted(otherWeights, "1 state", "%1 states"));
                setNotice(text + u'.');
                emit conversationImported(id);
            });
    connect(&worker, &InferenceWorker::stateImported, this,
            [this](const QString& name) { setNotice(tr("Imported the state “%1”.").arg(name)); });
    connect(&worker, &InferenceWorker::conversationExported, this,
            [this](const QString& path, qint64 messages, qint64 states, qint64 bytes) {
                setNotice(tr("Exported to %1 (%2, %3, %4).")
                              .arg(QFileInfo(path).fileName(), counted(messages, "1 message", "%1 messages"),
                                   counted(states, "1 state", "%1 states"), QLocale().formattedDataSize(bytes)));
            });
}

bool FileTransfer::isTransferFile(const QUrl& url) const
{
    return QFileInfo(localPath(url)).suffix().compare(u"rwkvx", Qt::CaseInsensitive) == 0;
}

void FileTransfer::importFile(const QUrl& url)
{
    const QString path = localPath(url);
    if (path.isEmpty()) return;
    setNotice({});
    m_post([path](InferenceWorker& w) { w.importTransferFile(path); });
}

void FileTransfer::exportConversation(qint64 id, const QUrl& file)
{
    const QString path = localPath(file);
    if (path.isEmpty() || id <= 0) return;
    setNotice({});
    const bool markdown = QFileInfo(path).suffix().compare(u"md", Qt::CaseInsensitive) == 0;
    m_post([id, path, markdown](InferenceWorker& w) { w.exportConversation(id, path, markdown); });
}

void FileTransfer::setNotice(const QString& text)
{
    if (text == m_notice) return;
    m_notice = text;
    emit noticeChanged();
}
