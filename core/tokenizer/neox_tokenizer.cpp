#include "core/tokenizer/neox_tokenizer.h"

#include <queue>

namespace rwkv {
namespace {

// Pieces longer than this are rare (long CJK runs, runs of one letter) and would bloat the cache.
constexpr size_t kMaxCachedPieceBytes = 64;
// About 10 MB of cache; dropped and refilled when full.
constexpr size_t kMaxCacheEntries = 1 << 17;

} // namespace

std::vector<int32_t> NeoxTokenizer::encode(std::string_view utf8) const
{
    const std::string text = neox::repairUtf8(utf8);
    std::vector<int32_t> out;
    out.reserve(text.size() / 4 + 1);
    std::vector<neox::Segment> segments;
    neox::splitAddedTokens(text, m_rawTokens, segments);
    for (const neox::Segment& segment : segments) {
        if (segment.id >= 0)
            out.push_back(segment.id);
        else if (m_nfc)
            encodeNormalized(neox::toNfc(segment.text), out);
        else
            encodeNormalized(segment.text, out);
    }
    return out;
}

void NeoxTokenizer::encodeNormalized(std::string_view text, std::vector<int32_t>& out) const
{
    std::vector<neox::Segment> segments;
    neox::splitAddedTokens(text, m_normalizedTokens, segments);
    std::vector<std::string_view> pieces;
    for (const neox::Segment& segment : segments) {
        if (segment.id >= 0) {
            out.push_back(segment.id);
            continue;
        }
        pieces.clear();
        neox::splitGpt2(segment.text, pieces);
        for (const std::string_view piece : pieces)
            encodePiece(piece, out);
    }
}

void NeoxTokenizer::encodePiece(std::string_view piece, std::vector<int32_t>& out) const
{
    if (piece.size() > kMaxCachedPieceBytes) {
        bytePairEncode(piece, out);
        return;
    }
    {
        const std::lock_guard lock(m_cacheMutex);
        const auto it = m_cache.find(piece);
        if (it != m_cache.end()) {
            out.insert(out.end(), it->second.begin(), it->second.end());
            return;
        }
    }
    // BPE runs outside the lock so concurrent callers only contend on the lookups.
    const size_t first = out.size();
    bytePairEncode(piece, out);
    std::vector<int32_t> ids(out.begin() + static_cast<std::ptrdiff_t>(first), out.end());
    const std::lock_guard lock(m_cacheMutex);
    if (m_cache.size() >= kMaxCacheEntries)
        m_cache.clear();
    m_cache.try_emplace(std::string(piece), std::move(ids));
}

const NeoxTokenizer::Merge* NeoxTokenizer::findMerge(int32_t left, int32_t right) const
{
    const auto it = m_merges.find(static_cast<uint64_t>(left) << 32 | static_cast<uint32_t>(right));
    return it == m_merges.end() ? nullptr : &it->second;
}

void NeoxTokenizer::bytePairEncode(std::string_view piece, std::vector<int32_t>& out) const
{
    // Symbols form a linked list over the piece's bytes; a merge rewrites the left symbol and
    // unlinks the right one. A min-heap of candidate pairs ordered by (rank, position) gives the
    // lowest-ranked pair first and, within one rank, left-to-right non-overlapping merges, in
    // O(n log n) even for pieces of thousands of bytes (long runs of CJK or of one letter).
    struct Symbol {
        int32_t id; // -1 once merged into its left neighbour
        int32_t prev;
        int32_t next; // -1 at the ends
    };
    struct Candidate {
        uint32_t rank;
        int32_t left; // symbol index
        int32_t leftId;
        int32_t rightId;
        int32_t result;
        bool operator>(const Candidate& o) const { return rank != o.rank ? rank > o.rank : left > o.left; }
    };

    const auto n = static_cast<int32_t>(piece.size());
    std::vector<Symbol> symbols(static_cast<size_t>(n));
    for (int32_t i = 0; i < n; ++i)
        symbols[static_cast<size_t>(i)] = {m_byteIds[static_cast<uint8_t>(piece[static_cast<size_t>(i)])], i - 1,
                                           i + 1 < n ? i + 1 : -1};

    std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> queue;
    const auto consider = [&](int32_t left) {
        const Symbol& l = symbols[static_cast<size_t>(left)];
        if (l.next < 0)
            return;
        const int32_t rightId = symbols[static_cast<size_t>(l.next)].id;
        if (const Merge* m = findMerge(l.id, rightId))
            queue.push({m->rank, left, l.id, rightId, m->result});
    };
    for (int32_t i = 0; i + 1 < n; ++i)
        consider(i);

    while (!queue.empty()) {
        const Candidate c = queue.top();
        queue.pop();
        Symbol& l = symbols[static_cast<size_t>(c.left)];
        // A symbol's token only ever grows, so unchanged ids mean the pair is still there.
        if (l.id != c.leftId || l.next < 0 || symbols[static_cast<size_t>(l.next)].id != c.rightId)
            continue;
        Symbol& r = symbols[static_cast<size_t>(l.next)];
        l.id = c.result;
        l.next = r.next;
        if (r.next >= 0)
            symbols[static_cast<size_t>(r.next)].prev = c.left;
        r.id = -1;
        if (l.prev >= 0)
            consider(l.prev);
        consider(c.left);
    }
    for (int32_t i = n > 0 ? 0 : -1; i >= 0; i = symbols[static_cast<size_t>(i)].next)
        out.push_back(symbols[static_cast<size_t>(i)].id);
}

std::string_view NeoxTokenizer::tokenBytes(int32_t id) const
{
    if (id < 0 || static_cast<size_t>(id) >= vocabSize())
        return {};
    const uint32_t begin = m_offsets[static_cast<size_t>(id)];
    const uint32_t end = m_offsets[static_cast<size_t>(id) + 1];
    return std::string_view(m_bytes).substr(begin, end - begin);
}

} // namespace rwkv
