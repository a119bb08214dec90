#include "core/store/search.h"

#include <algorithm>
#include <map>

namespace rwkv {

namespace {

// snippet() marks matched words with these; they are taken out again into SearchHit::highlights.
constexpr char kMarkOpen = '\x02';
constexpr char kMarkClose = '\x03';
// Words of context snippet() keeps around the match.
constexpr int kSnippetWords = 12;
// Titles and document names say what the whole thing is about: their match counts double.
constexpr double kTitleWeight = 2.0;

bool isSeparator(unsigned char c) { return c <= ' ' || c == 0x7f; }

// At most `maxBytes` of `word`, never ending inside a UTF-8 sequence.
std::string_view cutWord(std::string_view word, size_t maxBytes)
{
    if (word.size() <= maxBytes) return word;
    size_t end = maxBytes;
    while (end > 0 && (static_cast<unsigned char>(word[end]) & 0xc0) == 0x80) --end;
    return word.substr(0, end);
}

// The line of `snippet` holding its first match, with the marks turned into ranges.
void takeMatchingLine(std::string_view snippet, SearchHit& hit)
{
    const size_t firstMark = snippet.find(kMarkOpen);
    size_t begin = 0, end = snippet.size();
    if (firstMark != std::string_view::npos) {
        const size_t newline = snippet.rfind('\n', firstMark);
        begin = newline == std::string_view::npos ? 0 : newline + 1;
        end = std::min(end, snippet.find('\n', firstMark));
    }
    std::string line;
    size_t open = 0;
    for (const char c : snippet.substr(begin, end - begin)) {
        if (c == kMarkOpen) {
            open = line.size();
        } else if (c == kMarkClose) {
            if (line.size() > open) hit.highlights.push_back({open, line.size()});
        } else {
            line.push_back(c == '\t' || c == '\r' ? ' ' : c);
        }
    }
    hit.snippet = std::move(line);
}

} // namespace

std::string ftsQuery(std::string_view typed)
{
    std::string query;
    int words = 0;
    size_t i = 0;
    while (i < typed.size() && words < kSearchMaxWords) {
        while (i < typed.size() && isSeparator(static_cast<unsigned char>(typed[i]))) ++i;
        const size_t start = i;
        while (i < typed.size() && !isSeparator(static_cast<unsigned char>(typed[i]))) ++i;
        if (i == start) break;
        // A quoted FTS5 string is only text: its one special character, `"`, is written twice.
        if (!query.empty()) query.push_back(' ');
        query.push_back('"');
        for (const char c : cutWord(typed.substr(start, i - start), kSearchMaxWordBytes)) {
            if (c == '"') query.push_back('"');
            query.push_back(c);
        }
        query += "\"*";
        ++words;
    }
    return query;
}

std::vector<SearchHit> search(Database& db, std::string_view typed, const SearchOptions& options)
{
    const std::string query = ftsQuery(typed);
    if (query.empty() || options.limit <= 0) return {};
    std::map<int64_t, SearchHit> conversations;

    Statement titles = db.prepare("SELECT rowid, rank, title FROM conversation_search WHERE conversation_search MATCH ?1 "
                                  "ORDER BY rank LIMIT ?2");
    titles.bind(1, query).bind(2, int64_t(options.limit));
    while (titles.step()) {
        SearchHit& hit = conversations[titles.columnInt(0)];
        hit.id = titles.columnInt(0);
        hit.score = kTitleWeight * titles.columnDouble(1);
        hit.title = titles.columnText(2);
    }

    // The newest matching messages, ranked; each conversation keeps its best one.
    Statement messages = db.prepare(
        "SELECT m.conversation_id, h.id, min(h.score), h.snip, c.title FROM (SELECT rowid AS id, "
        "bm25(message_search) AS score, snippet(message_search, 0, char(2), char(3), '…', ?3) AS snip "
        "FROM message_search WHERE message_search MATCH ?1 ORDER BY rowid DESC LIMIT ?2) h "
        "JOIN messages m ON m.id = h.id JOIN conversations c ON c.id = m.conversation_id "
        "GROUP BY m.conversation_id ORDER BY 3 LIMIT ?4");
    messages.bind(1, query).bind(2, int64_t(kSearchRankedMessages)).bind(3, int64_t(kSnippetWords));
    messages.bind(4, int64_t(options.limit));
    while (messages.step()) {
        const int64_t id = messages.columnInt(0);
        const double score = messages.columnDouble(2);
        auto [it, added] = conversations.try_emplace(id);
        SearchHit& hit = it->second;
        if (added) {
            hit.id = id;
            hit.title = messages.columnText(4);
            hit.score = score;
        }
        hit.score = std::min(hit.score, score);
        hit.messageId = messages.columnInt(1);
        takeMatchingLine(messages.columnText(3), hit);
    }

    std::vector<SearchHit> hits;
    for (auto& [id, hit] : conversations) hits.push_back(std::move(hit));
    Statement documents = db.prepare("SELECT rowid, rank, name FROM document_search WHERE document_search MATCH ?1 "
                                     "ORDER BY rank LIMIT ?2");
    documents.bind(1, query).bind(2, int64_t(options.limit));
    while (documents.step()) {
        SearchHit hit;
        hit.kind = SearchHit::Kind::Document;
        hit.id = documents.columnInt(0);
        hit.score = kTitleWeight * documents.columnDouble(1);
        hit.title = documents.columnText(2);
        hits.push_back(std::move(hit));
    }
    // Equal scores: the newer (larger id) first, conversations before documents.
    std::stable_sort(hits.begin(), hits.end(), [](const SearchHit& a, const SearchHit& b) {
        if (a.score != b.score) return a.score < b.score;
        if (a.kind != b.kind) return a.kind == SearchHit::Kind::Conversation;
        return a.id > b.id;
    });
    if (hits.size() > size_t(options.limit)) hits.resize(size_t(options.limit));
    return hits;
}

} // namespace rwkv
