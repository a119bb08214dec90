#include "core/store/state_retention.h"

#include "core/error.h"

#include <algorithm>
#include <filesystem>
#include <unordered_map>

namespace rwkv {

namespace {

PruneReport prune(Store& store, int64_t conversationId, int keepEvery)
{
    std::vector<MessageRecord> messages = store.conversations().messages(conversationId);
    std::sort(messages.begin(), messages.end(), [](const MessageRecord& a, const MessageRecord& b) { return a.id < b.id; });
    const std::optional<int64_t> current = store.conversations().get(conversationId).currentMessageId;
    std::unordered_map<int64_t, std::vector<int64_t>> children;
    std::unordered_map<int64_t, int> turn; // replies from the root to a message, itself included
    for (const MessageRecord& m : messages) {
        const int parentTurn = m.parentId && turn.contains(*m.parentId) ? turn[*m.parentId] : 0;
        turn[m.id] = parentTurn + (m.role == MessageRole::Assistant ? 1 : 0);
        if (m.parentId) children[*m.parentId].push_back(m.id);
    }
    auto kept = [&](const MessageRecord& m) {
        const std::vector<int64_t>& questions = children[m.id];
        const bool branchPoint = questions.size() > 1
                                 || std::any_of(questions.begin(), questions.end(),
                                                [&](int64_t q) { return children[q].size() > 1; });
        return questions.empty() || branchPoint || m.id == current || turn[m.id] % keepEvery == 0;
    };
    PruneReport report;
    for (const MessageRecord& m : messages) {
        if (m.role != MessageRole::Assistant || kept(m)) continue;
        for (const SnapshotInfo& s : store.snapshots().forMessage(m.id)) {
            if (!s.name.empty()) continue;
            store.snapshots().remove(s.id);
            ++report.snapshots;
            report.bytes += s.storedBytes;
        }
    }
    return report;
}

void checkKeepEvery(int keepEvery)
{
    if (keepEvery < 1) throw Error(ErrorCode::InvalidArgument, "keep every N-th state: N must be at least 1");
}

} // namespace

PruneReport pruneConversationStates(Store& store, int64_t conversationId, int keepEvery)
{
    checkKeepEvery(keepEvery);
    Transaction tx(store.database());
    const PruneReport report = prune(store, conversationId, keepEvery);
    tx.commit();
    return report;
}

PruneReport pruneAllStates(Store& store, int keepEvery)
{
    checkKeepEvery(keepEvery);
    Transaction tx(store.database());
    PruneReport total;
    for (const ConversationInfo& c : store.conversations().list()) {
        const PruneReport r = prune(store, c.id, keepEvery);
        total.snapshots += r.snapshots;
        total.bytes += r.bytes;
    }
    tx.commit();
    return total;
}

PruneReport freeSpace(Store& store, int keepEvery)
{
    const PruneReport report = pruneAllStates(store, keepEvery);
    store.database().exec("VACUUM; PRAGMA wal_checkpoint(TRUNCATE);");
    return report;
}

StorageUse storageUse(Store& store)
{
    StorageUse u;
    std::error_code ec;
    for (const char* suffix : {"", "-wal"}) {
        std::filesystem::path file = store.database().path();
        file += suffix;
        const auto bytes = std::filesystem::file_size(file, ec);
        if (!ec) u.fileBytes += int64_t(bytes);
    }
    auto countAndBytes = [&](const char* sql, int64_t& count, int64_t& bytes) {
        Statement s = store.database().prepare(sql);
        if (!s.step()) return;
        count = s.columnInt(0);
        bytes = s.columnInt(1);
    };
    countAndBytes("SELECT count(*), coalesce(sum(length(data)), 0) FROM snapshots WHERE message_id IS NOT NULL AND name IS NULL",
                  u.replyStates, u.replyStateBytes);
    countAndBytes("SELECT count(*), coalesce(sum(length(data)), 0) FROM snapshots WHERE name IS NOT NULL", u.namedStates,
                  u.namedStateBytes);
    countAndBytes("SELECT count(*), coalesce(sum(length(s.data)), 0) FROM documents d JOIN snapshots s ON s.id = d.snapshot_id",
                  u.documents, u.documentStateBytes);
    return u;
}

} // namespace rwkv
