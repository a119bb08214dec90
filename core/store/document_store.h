#pragma once
// Documents read once: name, content hash, size, token count and the snapshot of the state
// after reading them with one model.
#include "core/store/database.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rwkv {

struct DocumentRecord {
    int64_t id = 0;
    std::string name;
    std::string contentHash;       // XXH3-128 of the file bytes, 32 hex digits
    int64_t byteSize = 0;          // file bytes
    int64_t tokenCount = 0;        // tokens fed, "Document: " and the closing blank line included
    std::string modelFingerprint;  // the weights that read it
    int64_t snapshotId = 0;
    int64_t createdAt = 0;         // Unix ms
};

class DocumentStore {
public:
    explicit DocumentStore(Database& db) : m_db(db) {}

    // Inserts the row (id and createdAt are ignored) inside the caller's transaction. Returns its id.
    int64_t insert(const DocumentRecord& record);
    std::optional<DocumentRecord> find(int64_t id);
    // Most recent document of that name.
    std::optional<DocumentRecord> findByName(const std::string& name);
    // The same content already read by the same weights.
    std::optional<DocumentRecord> findByContent(const std::string& contentHash, const std::string& modelFingerprint);
    std::vector<DocumentRecord> list();
    // Deletes the document and its snapshot in one transaction.
    void remove(int64_t id);

private:
    Database& m_db;
};

} // namespace rwkv
