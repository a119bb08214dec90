#include "server/prefix_cache.h"

#include <algorithm>

namespace rwkv::server {

namespace {

std::string keyOf(std::span<const int32_t> tokens) { return std::to_string(tokens.size()) + ":" + tokenHash(tokens); }

} // namespace

PrefixCache::PrefixCache(const Model& model, int64_t byteBudget, Store* store)
    : m_model(model), m_budget(byteBudget), m_store(store)
{
}

std::optional<CachedPrefix> PrefixCache::longestPrefix(std::span<const int32_t> tokens)
{
    std::lock_guard guard(m_mutex);
    std::optional<CachedPrefix> hit = fromMemory(tokens);
    if (m_store)
        if (auto stored = fromStore(tokens, hit ? hit->tokens : 0)) hit = std::move(stored);
    return hit;
}

std::optional<CachedPrefix> PrefixCache::fromMemory(std::span<const int32_t> tokens)
{
    // Longest first: the first verified match is the best one.
    for (auto it = m_lengths.lower_bound(int64_t(tokens.size())); it != m_lengths.begin();) {
        --it;
        const auto prefix = tokens.first(size_t(it->first));
        const auto found = m_byKey.find(keyOf(prefix));
        if (found == m_byKey.end() || !std::ranges::equal(found->second->tokens, prefix)) continue;
        m_lru.splice(m_lru.begin(), m_lru, found->second);
        return CachedPrefix{found->second->state, it->first};
    }
    return std::nullopt;
}

std::optional<CachedPrefix> PrefixCache::fromStore(std::span<const int32_t> tokens, int64_t longerThan)
{
    PrefixStore& prefixes = m_store->prefixes();
    for (const int64_t length : prefixes.lengthsBelow(m_model.fingerprint(), int64_t(tokens.size()))) {
        if (length <= longerThan) break;
        const auto prefix = tokens.first(size_t(length));
        const std::optional<int64_t> snapshot = prefixes.find(m_model.fingerprint(), prefix);
        if (!snapshot) continue;
        State state = m_store->snapshots().load(*snapshot, m_model.config(), m_model.fingerprint());
        remember(prefix, keyOf(prefix), state);
        return CachedPrefix{std::move(state), length};
    }
    return std::nullopt;
}

void PrefixCache::put(std::span<const int32_t> tokens, const State& state)
{
    std::lock_guard guard(m_mutex);
    std::string key = keyOf(tokens);
    if (const auto found = m_byKey.find(key); found != m_byKey.end() && std::ranges::equal(found->second->tokens, tokens)) {
        m_lru.splice(m_lru.begin(), m_lru, found->second);
        return;
    }
    remember(tokens, std::move(key), state);
    if (m_store) {
        const EncodedSnapshot encoded = m_store->snapshots().codec().encode(state);
        m_store->prefixes().put(tokens, encoded, state.weightsFingerprint(), m_budget);
    }
}

void PrefixCache::remember(std::span<const int32_t> tokens, std::string key, const State& state)
{
    if (state.sizeBytes() > m_budget || m_byKey.contains(key)) return;
    m_lru.push_front({{tokens.begin(), tokens.end()}, key, state});
    m_byKey.emplace(std::move(key), m_lru.begin());
    ++m_lengths[int64_t(tokens.size())];
    m_bytes += state.sizeBytes();
    while (m_bytes > m_budget) {
        Entry& last = m_lru.back();
        m_bytes -= last.state.sizeBytes();
        if (--m_lengths[int64_t(last.tokens.size())] == 0) m_lengths.erase(int64_t(last.tokens.size()));
        m_byKey.erase(last.key);
        m_lru.pop_back();
    }
}

int64_t PrefixCache::memoryBytes() const
{
    std::lock_guard guard(m_mutex);
    return m_bytes;
}

size_t PrefixCache::memoryEntries() const
{
    std::lock_guard guard(m_mutex);
    return m_lru.size();
}

} // namespace rwkv::server
