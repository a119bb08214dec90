#pragma once
// Snapshot rows (a state after a message, under a name, or owned by a document) and the
// models table that says which weights each snapshot belongs to.
#include "core/checkpoint.h"
#include "core/model_config.h"
#include "core/state.h"
#include "core/store/database.h"
#include "core/store/snapshot_codec.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace rwkv {

struct SnapshotInfo {
    int64_t id = 0;
    std::optional<int64_t> messageId;
    std::string name;              // empty unless a named snapshot
    std::string modelFingerprint;  // 32 hex digits
    int formatVersion = 0;
    int64_t byteSize = 0;          // uncompressed bytes
    int64_t storedBytes = 0;       // compressed bytes in the database
    std::string checksum;          // XXH3-128 of the uncompressed bytes
    int64_t createdAt = 0;         // Unix ms
    std::string note;              // a named state's note (schema 5); empty otherwise
};

// A row of the models table: weights that snapshots were computed with.
struct ModelRecord {
    std::string fingerprint;  // 32 hex digits
    std::string path;         // where they were last loaded from
    std::string generation;   // "x070"
    int64_t nLayer = 0, nEmbd = 0, nHead = 0, headSize = 0, vocab = 0;
};

// Where a new snapshot hangs: on a message, under a unique name, or neither (a document's).
struct SnapshotOwner {
    std::optional<int64_t> messageId;
    std::optional<std::string> name;
};

class SnapshotStore {
public:
    explicit SnapshotStore(Database& db) : m_db(db) {}

    // Records (or refreshes the path of) the weights snapshots refer to; needed before saving.
    void registerModel(const Fingerprint& weights, const std::filesystem::path& path, const ModelConfig& config);
    // The path the weights were last loaded from, if known.
    std::optional<std::string> modelPath(const std::string& fingerprintHex);
    std::optional<ModelRecord> model(const std::string& fingerprintHex);

    // Compresses and stores the state in one transaction (or inside the caller's). Returns its id.
    int64_t save(const State& state, const SnapshotOwner& owner);
    // Stores an already encoded state (compress before taking the write lock). Returns its id.
    int64_t insert(const EncodedSnapshot& encoded, const Fingerprint& weights, const SnapshotOwner& owner);

    // Restores snapshot `id` for the model (config, weights). Throws Error(IncompatibleState)
    // naming the weights it was made with, Error(Database) when missing or damaged.
    State load(int64_t id, const ModelConfig& config, const Fingerprint& weights);
    // The verified uncompressed bytes of snapshot `id` (State::serialize format).
    std::vector<std::byte> loadBytes(int64_t id);
    // Snapshot `id` as stored (compressed), after checking that it decompresses to its size
    // and checksum: what an export copies unchanged. Throws Error(Database) like loadBytes.
    EncodedSnapshot loadEncoded(int64_t id);

    std::optional<SnapshotInfo> info(int64_t id);
    // Snapshots of a message, newest first (one per model it was computed with).
    std::vector<SnapshotInfo> forMessage(int64_t messageId);
    std::optional<SnapshotInfo> named(const std::string& name);
    std::vector<SnapshotInfo> listNamed();
    // Every snapshot id, ascending (integrity checks).
    std::vector<int64_t> allIds();
    // The note of a named state: what it holds, in the user's words.
    void setNote(int64_t id, const std::string& note);
    // Gives named state `id` another name. Throws Error(InvalidArgument) when `name` is blank,
    // another state has it, or `id` is no named state.
    void rename(int64_t id, const std::string& name);
    void remove(int64_t id);

    SnapshotCodec& codec() { return m_codec; }

private:
    // The stored row of snapshot `id`: throws Error(Database) when there is none.
    struct StoredRow {
        int64_t byteSize = 0;
        std::string checksum, modelFingerprint;
        int formatVersion = 0;
    };
    StoredRow readRow(int64_t id);

    Database& m_db;
    SnapshotCodec m_codec;
    std::vector<std::byte> m_blob;  // compressed bytes of the last restore, reused
};

} // namespace rwkv
