#include "core/store/prefix_store.h"

#include <algorithm>
#include <cstring>

namespace rwkv {

std::string tokenHash(std::span<const int32_t> tokens) { return checksumHex(std::as_bytes(tokens)); }

std::vector<int64_t> PrefixStore::lengthsBelow(const Fingerprint& weights, int64_t below)
{
    Statement s = m_db.prepare("SELECT DISTINCT token_count FROM prefix_states WHERE model_fingerprint = ?1 "
                               "AND token_count < ?2 ORDER BY token_count DESC");
    return s.bind(1, fingerprintHex(weights)).bind(2, below).rows(firstInt);
}

std::optional<int64_t> PrefixStore::find(const Fingerprint& weights, std::span<const int32_t> tokens)
{
    Statement s = m_db.prepare("SELECT id, snapshot_id, tokens FROM prefix_states WHERE model_fingerprint = ?1 "
                               "AND token_count = ?2 AND token_hash = ?3");
    s.bind(1, fingerprintHex(weights)).bind(2, int64_t(tokens.size())).bind(3, tokenHash(tokens));
    if (!s.step()) return std::nullopt;
    const std::span<const std::byte> stored = s.columnBlob(2);
    const std::span<const std::byte> wanted = std::as_bytes(tokens);
    if (stored.size() != wanted.size() || std::memcmp(stored.data(), wanted.data(), wanted.size()) != 0) return std::nullopt;
    const int64_t id = s.columnInt(0);
    const int64_t snapshotId = s.columnInt(1);
    m_db.prepare("UPDATE prefix_states SET last_used = ?1 WHERE id = ?2").bind(1, unixMillis()).bind(2, id).run();
    return snapshotId;
}

void PrefixStore::put(std::span<const int32_t> tokens, const EncodedSnapshot& encoded, const Fingerprint& weights,
                      int64_t byteBudget)
{
    Transaction tx(m_db);
    if (find(weights, tokens)) {
        tx.commit();
        return;
    }
    const int64_t snapshotId = m_snapshots.insert(encoded, weights, {});
    m_db.prepare("INSERT INTO prefix_states (model_fingerprint, token_count, token_hash, tokens, snapshot_id, last_used) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
        .bind(1, fingerprintHex(weights))
        .bind(2, int64_t(tokens.size()))
        .bind(3, tokenHash(tokens))
        .bindBlob(4, std::as_bytes(tokens))
        .bind(5, snapshotId)
        .bind(6, unixMillis())
        .run();
    // Newest first: keep rows while they fit the budget, drop the rest with their snapshots.
    Statement rows = m_db.prepare("SELECT p.id, p.snapshot_id, s.byte_size FROM prefix_states p "
                                  "JOIN snapshots s ON s.id = p.snapshot_id ORDER BY p.last_used DESC, p.id DESC");
    std::vector<std::pair<int64_t, int64_t>> drop;
    int64_t kept = 0;
    while (rows.step()) {
        kept += rows.columnInt(2);
        if (kept > byteBudget) drop.emplace_back(rows.columnInt(0), rows.columnInt(1));
    }
    for (const auto& [id, snapshot] : drop) {
        m_db.prepare("DELETE FROM prefix_states WHERE id = ?1").bind(1, id).run();
        m_snapshots.remove(snapshot);
    }
    tx.commit();
}

int64_t PrefixStore::count()
{
    Statement s = m_db.prepare("SELECT count(*) FROM prefix_states");
    s.step();
    return s.columnInt(0);
}

} // namespace rwkv
