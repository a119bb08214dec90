#pragma once
// The API server's stored token prefixes (table prefix_states): the state after exactly
// these tokens, as a snapshot row, found by (weights, token count, token hash) and verified
// against the stored tokens, so a hash collision can never resume from a wrong state.
#include "core/checkpoint.h"
#include "core/store/database.h"
#include "core/store/snapshot_store.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace rwkv {

class PrefixStore {
public:
    PrefixStore(Database& db, SnapshotStore& snapshots) : m_db(db), m_snapshots(snapshots) {}

    // Token counts of the prefixes stored for these weights that are below `below`, longest first.
    std::vector<int64_t> lengthsBelow(const Fingerprint& weights, int64_t below);
    // The snapshot id holding the state after exactly `tokens`, marking it used now.
    std::optional<int64_t> find(const Fingerprint& weights, std::span<const int32_t> tokens);
    // Stores the state after `tokens` (the weights must be registered with SnapshotStore) unless
    // it is there already, then drops the least recently used prefixes of any weights while
    // their uncompressed states exceed byteBudget. One transaction.
    void put(std::span<const int32_t> tokens, const EncodedSnapshot& encoded, const Fingerprint& weights, int64_t byteBudget);
    int64_t count();

private:
    Database& m_db;
    SnapshotStore& m_snapshots;
};

// XXH3-128 of the tokens' bytes (int32, native byte order), 32 hex digits.
std::string tokenHash(std::span<const int32_t> tokens);

} // namespace rwkv
