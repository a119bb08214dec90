#pragma once
// Full-text search over the store (schema 4's FTS5 indexes): conversations by their title and
// the text of their messages, documents by name; best first, each conversation found in a
// message with the line of that message that matched.
#include "core/store/database.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rwkv {

// What one query may hold: words past these are dropped, longer words cut (at a character).
inline constexpr int kSearchMaxWords = 16;
inline constexpr size_t kSearchMaxWordBytes = 128;
// Messages ranked per query: the newest this many that match. Ranking every match of a common
// word (100 000+ messages) takes a second; the newest few hundred keep a query within ~50 ms.
inline constexpr int kSearchRankedMessages = 500;

struct SearchOptions {
    int limit = 50;  // results at most
};

struct SearchHit {
    enum class Kind { Conversation, Document };
    struct Range {
        size_t begin = 0, end = 0;  // bytes of `snippet`
    };

    Kind kind = Kind::Conversation;
    int64_t id = 0;                     // the conversation's or the document's
    std::string title;                  // the conversation's title or the document's name
    std::optional<int64_t> messageId;   // the message that matched best; nullopt: only the title did
    std::string snippet;                // that message's matching line (a few words around the match)
    std::vector<Range> highlights;      // the matched words within `snippet`
    double score = 0;                   // lower is better (FTS5 bm25; titles and names count double)
};

// The FTS5 query for what a user typed: every word quoted (so quotes, `*`, `AND`, `NEAR(`,
// `-` or parentheses are only text) as a prefix, all of them required. Empty for blank input.
std::string ftsQuery(std::string_view typed);

// The best `options.limit` conversations and documents for `typed`; none for blank input.
std::vector<SearchHit> search(Database& db, std::string_view typed, const SearchOptions& options = {});

} // namespace rwkv
