#pragma once
// Keeping the store lean: every reply keeps a full State (2.3 MiB at 0.1B, 33 MiB at 7.2B), and
// most of them can be rebuilt in well under a second. A conversation keeps the states of its
// root, of every branch point (a reply followed by more than one question, or whose question
// was answered more than once), of the last reply of every branch, of its current message, and
// of every keepEvery-th reply along each path; ChatSession::restore rebuilds any other from the
// nearest kept ancestor by replaying at most keepEvery - 1 turns, transparently. Named states
// (saved by the user) are never touched. VACUUM gives the space back (`rwkv-cli store prune`).
#include "core/store/store.h"

#include <cstdint>

namespace rwkv {

inline constexpr int kDefaultKeepEvery = 4;

struct PruneReport {
    int64_t snapshots = 0; // deleted
    int64_t bytes = 0;     // their stored (compressed) bytes
};

// Throws Error(InvalidArgument) for keepEvery < 1 or an unknown conversation.
PruneReport pruneConversationStates(Store& store, int64_t conversationId, int keepEvery = kDefaultKeepEvery);
// Every conversation, in one transaction.
PruneReport pruneAllStates(Store& store, int keepEvery = kDefaultKeepEvery);
// pruneAllStates, then VACUUM and a WAL checkpoint so the file itself shrinks.
PruneReport freeSpace(Store& store, int keepEvery = kDefaultKeepEvery);

// What the database holds, for the app's storage line: its file (with the write-ahead log) and
// the stored (compressed) bytes of each kind of state.
struct StorageUse {
    int64_t fileBytes = 0;
    int64_t replyStates = 0, replyStateBytes = 0;       // conversations' states
    int64_t namedStates = 0, namedStateBytes = 0;       // saved by name
    int64_t documents = 0, documentStateBytes = 0;      // documents read
};
StorageUse storageUse(Store& store);

} // namespace rwkv
