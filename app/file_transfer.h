#pragma once
// The app's file actions on conversations and states (issue 20): a .rwkvx file dropped on the
// window or chosen with "Import…" becomes a conversation (opened) or a named state, as does a
// state-tuning file (.pth, .safetensors) chosen with "Import…"; "Export
// conversation…" writes one as .rwkvx or Markdown. The work runs on the inference worker,
// which holds the store and the loaded model; a refused file is reported like any failed job
// (the app's error banner, with the importer's message) and leaves nothing in the store.
// What went well is said in `notice`.
#include <QObject>
#include <QString>
#include <QUrl>

#include <functional>

class InferenceWorker;

class FileTransfer : public QObject {
    Q_OBJECT
    Q_PROPERTY(QString notice READ notice NOTIFY noticeChanged)

public:
    // Posts a job to the worker (the controller's queue, so the app shows it as busy).
    using PostJob = std::function<void(std::function<void(InferenceWorker&)>)>;

    FileTransfer(InferenceWorker& worker, PostJob post, QObject* parent = nullptr);

    QString notice() const { return m_notice; }

    // Whether `url` names a transfer file (.rwkvx), by its name.
    Q_INVOKABLE bool isTransferFile(const QUrl& url) const;
    Q_INVOKABLE void importFile(const QUrl& url);
    // A file ending in .md gets the current branch as Markdown, any other the whole
    // conversation as .rwkvx. An existing file is replaced (the save dialog asked).
    Q_INVOKABLE void exportConversation(qint64 id, const QUrl& file);
    Q_INVOKABLE void dismissNotice() { setNotice({}); }

signals:
    void noticeChanged();
    // A file became conversation `id`: the app opens it.
    void conversationImported(qint64 id);

private:
    void setNotice(const QString& text);

    PostJob m_post;
    QString m_notice;
};
