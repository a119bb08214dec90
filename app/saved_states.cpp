#include "app/saved_states.h"

#include "app/inference_worker.h"

SavedStates::SavedStates(InferenceWorker& worker, PostJob post, std::function<QVariantMap()> chatSettings, QObject* parent)
    : QObject(parent), m_post(std::move(post)), m_chatSettings(std::move(chatSettings))
{
    connect(&worker, &InferenceWorker::statesListed, this, [this](const QList<StateRow>& rows) { m_list.setRows(rows); });
    connect(&worker, &InferenceWorker::conversationStarted, this, &SavedStates::conversationStarted);
}

void SavedStates::refresh()
{
    m_post([](InferenceWorker& w) { w.listStates(); });
}

void SavedStates::saveMessageState(qint64 conversationId, qint64 messageId, const QString& name, const QString& note)
{
    if (conversationId <= 0 || messageId <= 0) return;
    m_post([conversationId, messageId, name, note](InferenceWorker& w) {
        w.saveMessageState(conversationId, messageId, name, note);
    });
}

void SavedStates::newChat(qint64 stateId)
{
    m_post([stateId, settings = m_chatSettings()](InferenceWorker& w) { w.startFromState(stateId, settings); });
}

void SavedStates::remove(qint64 stateId)
{
    m_post([stateId](InferenceWorker& w) { w.deleteState(stateId); });
}

void SavedStates::rename(qint64 stateId, const QString& name)
{
    m_post([stateId, name](InferenceWorker& w) { w.renameState(stateId, name); });
}
