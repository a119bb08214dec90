#pragma once
// The one SQLite database of RWKV Desktop (design.md property 7): conversations, snapshots,
// documents and the API server's token prefixes over one connection. Not thread-safe; one Store per thread.
#include "core/store/conversation_store.h"
#include "core/store/database.h"
#include "core/store/document_store.h"
#include "core/store/prefix_store.h"
#include "core/store/snapshot_store.h"

#include <filesystem>

namespace rwkv {

class Store {
public:
    // userDataDir()/rwkv-desktop.sqlite.
    static std::filesystem::path defaultPath();

    // Opens (and creates, migrates) the database; see Database::open. Creates the parent
    // folder when it is missing (unless read-only).
    explicit Store(const std::filesystem::path& path, const DatabaseOptions& options = {});
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    Database& database() { return m_db; }
    ConversationStore& conversations() { return m_conversations; }
    SnapshotStore& snapshots() { return m_snapshots; }
    DocumentStore& documents() { return m_documents; }
    PrefixStore& prefixes() { return m_prefixes; }

    // PRAGMA integrity_check plus a check of every foreign key; returns "ok" or the problems.
    std::string integrityCheck();

private:
    Database m_db;
    ConversationStore m_conversations;
    SnapshotStore m_snapshots;
    DocumentStore m_documents;
    PrefixStore m_prefixes;
};

} // namespace rwkv
