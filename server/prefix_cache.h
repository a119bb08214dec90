#pragma once
// States of recent token prefixes, so a request whose prompt extends an earlier one resumes
// from that state and feeds only the new tokens. Keyed by the exact token sequence (hash and
// length, verified token by token): a reply re-tokenized from its text may not give the
// tokens that were sampled, and only a true prefix has the right state. In memory up to a
// byte budget (least recently used go first); with a store, also in its prefix_states table
// under the same budget, so prefixes survive a restart. Thread-safe.
#include "core/model.h"
#include "core/state.h"
#include "core/store/store.h"

#include <cstdint>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

namespace rwkv::server {

struct CachedPrefix {
    State state;          // a copy the caller owns
    int64_t tokens = 0;   // how many leading tokens of the query it holds
};

class PrefixCache {
public:
    // model: the weights every state belongs to. store may be null (memory only); it is used
    // only under this object's lock and must outlive it.
    PrefixCache(const Model& model, int64_t byteBudget, Store* store);

    // The state after the longest stored prefix of `tokens` strictly shorter than it (one token
    // at least is left to feed, whose logits start the reply).
    std::optional<CachedPrefix> longestPrefix(std::span<const int32_t> tokens);
    // Remembers the state after exactly `tokens`.
    void put(std::span<const int32_t> tokens, const State& state);

    int64_t memoryBytes() const;
    size_t memoryEntries() const;

private:
    struct Entry {
        std::vector<int32_t> tokens;
        std::string key;
        State state;
    };
    using Lru = std::list<Entry>;

    void remember(std::span<const int32_t> tokens, std::string key, const State& state);
    std::optional<CachedPrefix> fromMemory(std::span<const int32_t> tokens);
    std::optional<CachedPrefix> fromStore(std::span<const int32_t> tokens, int64_t longerThan);

    const Model& m_model;
    const int64_t m_budget;
    Store* m_store;
    mutable std::mutex m_mutex;
    Lru m_lru;                                         // most recently used first
    std::unordered_map<std::string, Lru::iterator> m_byKey;
    std::map<int64_t, int> m_lengths;                  // token count -> entries of that length
    int64_t m_bytes = 0;
};

} // namespace rwkv::server
