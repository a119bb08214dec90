#include "app/store_upkeep.h"

#include "app/inference_worker.h"

StoreUpkeep::StoreUpkeep(InferenceWorker& worker, PostJob post, QObject* parent) : QObject(parent), m_post(std::move(post))
{
    connect(&worker, &InferenceWorker::storageReported, this, [this](const QVariantMap& use) {
        m_use = use;
        emit useChanged();
    });
    connect(&worker, &InferenceWorker::spaceFreed, this, [this](qint64 states, qint64 bytes) {
        m_freed = {{QStringLiteral("states"), double(states)}, {QStringLiteral("bytes"), double(bytes)}};
    });
}

void StoreUpkeep::refresh()
{
    m_post([](InferenceWorker& w) { w.reportStorage(); });
}

void StoreUpkeep::freeSpace()
{
    m_post([](InferenceWorker& w) { w.freeSpace(); });
}
