#pragma once
// The sidebar's "States" section and "Save state…" on a message (issue 20): named states, as
// `rwkv-cli state save` keeps them, listed newest first with their model and size; those of
// other weights are listed too, disabled with the reason. "New chat from this state" starts a
// conversation whose first reply continues from it; a state can be renamed or deleted; a
// state-tuning file imported with "Import…" is listed as one. The work runs on the inference worker;
// failures reach the app's error banner like any job's.
#include "ui/state_list_model.h"

#include <QObject>
#include <QString>
#include <QVariantMap>

#include <functional>

class InferenceWorker;

class SavedStates : public QObject {
    Q_OBJECT
    Q_PROPERTY(StateListModel* list READ list CONSTANT)

public:
    // Posts a job to the worker (the controller's queue, so the app shows it as busy).
    using PostJob = std::function<void(std::function<void(InferenceWorker&)>)>;

    // `chatSettings` gives the settings a new chat starts with (the sidebar's current ones).
    SavedStates(InferenceWorker& worker, PostJob post, std::function<QVariantMap()> chatSettings, QObject* parent = nullptr);

    StateListModel* list() { return &m_list; }

    // Lists the states again (after a model load: which ones it can use changes).
    void refresh();
    // The state after message `messageId` (a reply, or the root) of `conversationId`, with a
    // note on what it holds (may be empty).
    Q_INVOKABLE void saveMessageState(qint64 conversationId, qint64 messageId, const QString& name,
                                      const QString& note = {});
    Q_INVOKABLE void newChat(qint64 stateId);
    Q_INVOKABLE void remove(qint64 stateId);
    // A taken or blank name is refused with the app's error banner.
    Q_INVOKABLE void rename(qint64 stateId, const QString& name);

signals:
    // A conversation was started from a state: the app opens it.
    void conversationStarted(qint64 id);

private:
    PostJob m_post;
    std::function<QVariantMap()> m_chatSettings;
    StateListModel m_list;
};
