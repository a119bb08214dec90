#include "core/store/snapshot_store.h"

#include "core/error.h"
#include "core/utf8_path.h"

namespace rwkv {

namespace {

constexpr const char* kInfoColumns =
    "id, message_id, name, model_fingerprint, format_version, byte_size, length(data), checksum, created_at, note";

SnapshotInfo readInfo(const Statement& s)
{
    SnapshotInfo info;
    info.id = s.columnInt(0);
    info.messageId = s.columnOptionalInt(1);
    info.name = s.columnText(2);
    info.modelFingerprint = s.columnText(3);
    info.formatVersion = int(s.columnInt(4));
    info.byteSize = s.columnInt(5);
    info.storedBytes = s.columnInt(6);
    info.checksum = s.columnText(7);
    info.createdAt = s.columnInt(8);
    info.note = s.columnText(9);
    return info;
}

std::string describe(int64_t id) { return "snapshot " + std::to_string(id); }

} // namespace

void SnapshotStore::registerModel(const Fingerprint& weights, const std::filesystem::path& path, const ModelConfig& config)
{
    const int64_t now = unixMillis();
    m_db.prepare("INSERT INTO models (fingerprint, path, generation, n_layer, n_embd, n_head, head_size, vocab, "
                 "first_seen, last_used) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9) "
                 "ON CONFLICT (fingerprint) DO UPDATE SET path = excluded.path, last_used = excluded.last_used")
        .bind(1, fingerprintHex(weights))
        .bind(2, pathToUtf8(path))
        .bind(3, generationId(config.generation))
        .bind(4, int64_t(config.nLayer))
        .bind(5, int64_t(config.nEmbd))
        .bind(6, int64_t(config.nHead))
        .bind(7, int64_t(config.headSize))
        .bind(8, int64_t(config.vocab))
        .bind(9, now)
        .run();
}

std::optional<std::string> SnapshotStore::modelPath(const std::string& fingerprintHexText)
{
    Statement s = m_db.prepare("SELECT path FROM models WHERE fingerprint = ?1");
    return s.bind(1, fingerprintHexText).row([](const Statement& r) { return r.columnText(0); });
}

std::optional<ModelRecord> SnapshotStore::model(const std::string& fingerprintHexText)
{
    Statement s = m_db.prepare(
        "SELECT fingerprint, path, generation, n_layer, n_embd, n_head, head_size, vocab FROM models WHERE fingerprint = ?1");
    return s.bind(1, fingerprintHexText).row([](const Statement& r) {
        return ModelRecord{r.columnText(0), r.columnText(1), r.columnText(2), r.columnInt(3),
                           r.columnInt(4),  r.columnInt(5),  r.columnInt(6),  r.columnInt(7)};
    });
}

int64_t SnapshotStore::save(const State& state, const SnapshotOwner& owner)
{
    const EncodedSnapshot encoded = m_codec.encode(state);
    Transaction tx(m_db);
    const int64_t id = insert(encoded, state.weightsFingerprint(), owner);
    tx.commit();
    return id;
}

int64_t SnapshotStore::insert(const EncodedSnapshot& encoded, const Fingerprint& weights, const SnapshotOwner& owner)
{
    Statement s = m_db.prepare("INSERT INTO snapshots (message_id, name, model_fingerprint, format_version, byte_size, "
                               "checksum, data, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    s.bind(1, owner.messageId);
    if (owner.name)
        s.bind(2, *owner.name);
    else
        s.bindNull(2);
    s.bind(3, fingerprintHex(weights))
        .bind(4, int64_t(encoded.formatVersion))
        .bind(5, encoded.byteSize)
        .bind(6, encoded.checksum)
        .bindBlob(7, encoded.data)
        .bind(8, unixMillis());
    s.run();
    return m_db.lastInsertId();
}

SnapshotStore::StoredRow SnapshotStore::readRow(int64_t id)
{
    Statement s = m_db.prepare("SELECT byte_size, checksum, format_version, model_fingerprint FROM snapshots WHERE id = ?1");
    s.bind(1, id);
    if (!s.step()) throw Error(ErrorCode::Database, pathToUtf8(m_db.path()) + ": there is no " + describe(id));
    return {s.columnInt(0), s.columnText(1), s.columnText(3), int(s.columnInt(2))};
}

State SnapshotStore::load(int64_t id, const ModelConfig& config, const Fingerprint& weights)
{
    const StoredRow row = readRow(id);
    if (row.modelFingerprint != fingerprintHex(weights)) {
        const std::optional<std::string> path = modelPath(row.modelFingerprint);
        throw Error(ErrorCode::IncompatibleState, describe(id) + " was saved with other weights ("
                                                      + (path ? *path + ", " : std::string()) + "fingerprint "
                                                      + row.modelFingerprint.substr(0, 12) + "…) than the loaded model (fingerprint "
                                                      + fingerprintHex(weights).substr(0, 12) + "…)");
    }
    // Incremental blob I/O into a reused buffer: a plain SELECT would make SQLite allocate
    // (and the OS fault in) a fresh buffer of the snapshot's size on every restore.
    m_db.readBlob("snapshots", "data", id, m_blob);
    return m_codec.decode(m_blob, row.byteSize, row.checksum, row.formatVersion, config, weights, describe(id));
}

std::vector<std::byte> SnapshotStore::loadBytes(int64_t id)
{
    const StoredRow row = readRow(id);
    m_db.readBlob("snapshots", "data", id, m_blob);
    const std::span<const std::byte> raw = m_codec.decompress(m_blob, row.byteSize, row.checksum, row.formatVersion, describe(id));
    return {raw.begin(), raw.end()};
}

EncodedSnapshot SnapshotStore::loadEncoded(int64_t id)
{
    const StoredRow row = readRow(id);
    EncodedSnapshot out;
    m_db.readBlob("snapshots", "data", id, out.data);
    m_codec.decompress(out.data, row.byteSize, row.checksum, row.formatVersion, describe(id));
    out.byteSize = row.byteSize;
    out.checksum = row.checksum;
    out.formatVersion = row.formatVersion;
    return out;
}

std::optional<SnapshotInfo> SnapshotStore::info(int64_t id)
{
    Statement s = m_db.prepare(std::string("SELECT ") + kInfoColumns + " FROM snapshots WHERE id = ?1");
    return s.bind(1, id).row(readInfo);
}

std::vector<SnapshotInfo> SnapshotStore::forMessage(int64_t messageId)
{
    Statement s = m_db.prepare(std::string("SELECT ") + kInfoColumns + " FROM snapshots WHERE message_id = ?1 ORDER BY id DESC");
    s.bind(1, messageId);
    return s.rows(readInfo);
}

std::optional<SnapshotInfo> SnapshotStore::named(const std::string& name)
{
    Statement s = m_db.prepare(std::string("SELECT ") + kInfoColumns + " FROM snapshots WHERE name = ?1");
    return s.bind(1, name).row(readInfo);
}

std::vector<SnapshotInfo> SnapshotStore::listNamed()
{
    Statement s = m_db.prepare(std::string("SELECT ") + kInfoColumns + " FROM snapshots WHERE name IS NOT NULL ORDER BY name");
    return s.rows(readInfo);
}

std::vector<int64_t> SnapshotStore::allIds()
{
    return m_db.prepare("SELECT id FROM snapshots ORDER BY id").rows(firstInt);
}

void SnapshotStore::setNote(int64_t id, const std::string& note)
{
    m_db.prepare("UPDATE snapshots SET note = ?2 WHERE id = ?1").bind(1, id).bind(2, note).run();
}

void SnapshotStore::rename(int64_t id, const std::string& name)
{
    if (name.find_first_not_of(" \t\r\n") == std::string::npos)
        throw Error(ErrorCode::InvalidArgument, "a state needs a name");
    const std::optional<SnapshotInfo> self = info(id);
    if (!self || self->name.empty()) throw Error(ErrorCode::InvalidArgument, "no saved state " + std::to_string(id));
    if (const auto other = named(name); other && other->id != id)
        throw Error(ErrorCode::InvalidArgument, "a state named '" + name + "' exists; choose another name");
    m_db.prepare("UPDATE snapshots SET name = ?2 WHERE id = ?1").bind(1, id).bind(2, name).run();
}

void SnapshotStore::remove(int64_t id)
{
    m_db.prepare("DELETE FROM snapshots WHERE id = ?1").bind(1, id).run();
}

} // namespace rwkv
