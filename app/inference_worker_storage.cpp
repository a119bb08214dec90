// The storage half of InferenceWorker: what the database holds, and freeing the space of
// states that can be rebuilt (core/store/state_retention.h), for the settings' storage line.
#include "app/inference_worker.h"
#include "core/store/state_retention.h"

namespace {

QVariantMap useMap(const rwkv::StorageUse& u)
{
    return {{QStringLiteral("fileBytes"), double(u.fileBytes)},
            {QStringLiteral("replyStates"), double(u.replyStates)},
            {QStringLiteral("replyStateBytes"), double(u.replyStateBytes)},
            {QStringLiteral("namedStates"), double(u.namedStates)},
            {QStringLiteral("namedStateBytes"), double(u.namedStateBytes)},
            {QStringLiteral("documents"), double(u.documents)},
            {QStringLiteral("documentStateBytes"), double(u.documentStateBytes)}};
}

} // namespace

void InferenceWorker::reportStorage()
{
    if (!m_store) return; // no database (it failed to open: the app said so then)
    guarded(QStringLiteral("reading the storage use"), [&] { emit storageReported(useMap(rwkv::storageUse(store()))); });
}

void InferenceWorker::freeSpace()
{
    guarded(QStringLiteral("freeing space"), [&] {
        const rwkv::PruneReport freed = rwkv::freeSpace(store());
        emit spaceFreed(freed.snapshots, freed.bytes);
        emit storageReported(useMap(rwkv::storageUse(store())));
    });
}
