#include "core/store/document_store.h"

namespace rwkv {

namespace {

constexpr const char* kColumns =
    "SELECT id, name, content_hash, byte_size, token_count, model_fingerprint, snapshot_id, created_at FROM documents ";

DocumentRecord readDocument(const Statement& s)
{
    DocumentRecord d;
    d.id = s.columnInt(0);
    d.name = s.columnText(1);
    d.contentHash = s.columnText(2);
    d.byteSize = s.columnInt(3);
    d.tokenCount = s.columnInt(4);
    d.modelFingerprint = s.columnText(5);
    d.snapshotId = s.columnInt(6);
    d.createdAt = s.columnInt(7);
    return d;
}

} // namespace

int64_t DocumentStore::insert(const DocumentRecord& r)
{
    m_db.prepare("INSERT INTO documents (name, content_hash, byte_size, token_count, model_fingerprint, snapshot_id, "
                 "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
        .bind(1, r.name)
        .bind(2, r.contentHash)
        .bind(3, r.byteSize)
        .bind(4, r.tokenCount)
        .bind(5, r.modelFingerprint)
        .bind(6, r.snapshotId)
        .bind(7, unixMillis())
        .run();
    return m_db.lastInsertId();
}

std::optional<DocumentRecord> DocumentStore::find(int64_t id)
{
    Statement s = m_db.prepare(std::string(kColumns) + "WHERE id = ?1");
    s.bind(1, id);
    return s.row(readDocument);
}

std::optional<DocumentRecord> DocumentStore::findByName(const std::string& name)
{
    Statement s = m_db.prepare(std::string(kColumns) + "WHERE name = ?1 ORDER BY id DESC LIMIT 1");
    s.bind(1, name);
    return s.row(readDocument);
}

std::optional<DocumentRecord> DocumentStore::findByContent(const std::string& contentHash,
                                                           const std::string& modelFingerprint)
{
    Statement s = m_db.prepare(std::string(kColumns) + "WHERE content_hash = ?1 AND model_fingerprint = ?2");
    s.bind(1, contentHash).bind(2, modelFingerprint);
    return s.row(readDocument);
}

std::vector<DocumentRecord> DocumentStore::list()
{
    return m_db.prepare(std::string(kColumns) + "ORDER BY id").rows(readDocument);
}

void DocumentStore::remove(int64_t id)
{
    const std::optional<DocumentRecord> doc = find(id);
    if (!doc) return;
    Transaction tx(m_db);
    m_db.prepare("DELETE FROM documents WHERE id = ?1").bind(1, id).run();
    m_db.prepare("DELETE FROM snapshots WHERE id = ?1").bind(1, doc->snapshotId).run();
    tx.commit();
}

} // namespace rwkv
