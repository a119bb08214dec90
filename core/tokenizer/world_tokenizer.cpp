#include "core/tokenizer/world_tokenizer.h"

#include "core/error.h"
#include "core/tokenizer/utf8_stream_decoder.h"
#include "core/utf8_path.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <utility>

namespace rwkv {
namespace {

// Reports errors as "<file>:<line>: <what>" so a user can open the file at the broken line.
class LineContext {
public:
    LineContext(const std::filesystem::path& file, size_t line) : m_file(file), m_line(line) {}

    [[noreturn]] void fail(const std::string& what) const
    {
        throw Error(ErrorCode::BadFile, pathToUtf8(m_file) + ":" + std::to_string(m_line) + ": " + what);
    }

private:
    const std::filesystem::path& m_file;
    size_t m_line;
};

void appendUtf8(std::string& out, uint32_t cp)
{
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

// Reads exactly `count` hex digits at body[pos]; advances pos.
uint32_t readHex(std::string_view body, size_t& pos, size_t count, const LineContext& ctx)
{
    if (body.size() - pos < count)
        ctx.fail("truncated hex escape");
    uint32_t value = 0;
    const char* first = body.data() + pos;
    const auto [end, ec] = std::from_chars(first, first + count, value, 16);
    if (ec != std::errc() || end != first + count)
        ctx.fail("bad hex escape '" + std::string(body.substr(pos, count)) + "'");
    pos += count;
    return value;
}

// The bytes of a Python str or bytes literal as written by repr(): '…', "…", b'…' or b"…".
// In a str, \xHH and \ooo are code points (encoded as UTF-8); in bytes they are raw bytes.
std::string parseLiteral(std::string_view literal, const LineContext& ctx)
{
    const bool isBytes = !literal.empty() && (literal[0] == 'b' || literal[0] == 'B');
    if (isBytes)
        literal.remove_prefix(1);
    if (literal.size() < 2 || (literal[0] != '\'' && literal[0] != '"') || literal.back() != literal[0])
        ctx.fail("expected a quoted Python str or bytes literal");
    const char quote = literal[0];
    const std::string_view body = literal.substr(1, literal.size() - 2);

    std::string out;
    const auto appendValue = [&](uint32_t value) {
        if (isBytes) {
            if (value > 0xFF)
                ctx.fail("escape value above 0xFF in a bytes literal");
            out.push_back(static_cast<char>(value));
            return;
        }
        if (value >= 0xD800 && value <= 0xDFFF)
            ctx.fail("surrogate code point has no UTF-8 encoding");
        if (value > 0x10FFFF)
            ctx.fail("code point above U+10FFFF");
        appendUtf8(out, value);
    };

    size_t pos = 0;
    while (pos < body.size()) {
        const char c = body[pos++];
        if (c == quote)
            ctx.fail("unescaped quote inside the literal");
        if (c != '\\') {
            if (isBytes && static_cast<unsigned char>(c) >= 0x80)
                ctx.fail("non-ASCII character in a bytes literal");
            out.push_back(c); // raw UTF-8 of a str literal is copied as is (the line was validated)
            continue;
        }
        if (pos == body.size())
            ctx.fail("backslash at the end of the literal");
        const char e = body[pos++];
        switch (e) {
        case '\\': case '\'': case '"': out.push_back(e); break;
        case 'a': out.push_back('\a'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'v': out.push_back('\v'); break;
        case 'x': appendValue(readHex(body, pos, 2, ctx)); break;
        case 'u':
        case 'U':
            if (isBytes)
                ctx.fail(std::string("\\") + e + " escape in a bytes literal");
            appendValue(readHex(body, pos, e == 'u' ? 4 : 8, ctx));
            break;
        default:
            if (e >= '0' && e <= '7') {
                // Python octal escapes take one to three digits.
                uint32_t value = static_cast<uint32_t>(e - '0');
                for (int i = 0; i < 2 && pos < body.size() && body[pos] >= '0' && body[pos] <= '7'; ++i)
                    value = value * 8 + static_cast<uint32_t>(body[pos++] - '0');
                appendValue(value);
                break;
            }
            ctx.fail(std::string("unsupported escape '\\") + e + "'");
        }
    }
    return out;
}

// A decimal field that must be entirely digits.
uint64_t parseNumber(std::string_view field, const char* what, const LineContext& ctx)
{
    uint64_t value = 0;
    const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
    if (field.empty() || ec != std::errc() || end != field.data() + field.size())
        ctx.fail(std::string("bad ") + what + " '" + std::string(field) + "'");
    return value;
}

} // namespace

std::unique_ptr<WorldTokenizer> WorldTokenizer::load(const std::filesystem::path& vocabFile)
{
    std::ifstream in(vocabFile, std::ios::binary);
    if (!in)
        throw Error(ErrorCode::Io, "cannot open vocabulary file " + pathToUtf8(vocabFile) + ": " + std::strerror(errno));
    const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad())
        throw Error(ErrorCode::Io, "cannot read vocabulary file " + pathToUtf8(vocabFile));

    std::vector<std::string> tokens(kVocabSize);
    std::vector<uint32_t> lineOfId(kVocabSize, 0);
    const std::string_view text(content);
    size_t lineStart = 0;
    size_t lineNo = 0;
    while (lineStart < text.size()) {
        size_t lineEnd = text.find('\n', lineStart);
        if (lineEnd == std::string_view::npos)
            lineEnd = text.size();
        std::string_view line = text.substr(lineStart, lineEnd - lineStart);
        lineStart = lineEnd + 1;
        ++lineNo;
        const LineContext ctx(vocabFile, lineNo);
        // Tolerate CRLF (a Windows checkout may convert it); repr() never leaves a raw \r in a literal.
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        if (!isValidUtf8(line))
            ctx.fail("not valid UTF-8");
        // The literal may contain spaces, the id and the length cannot.
        const size_t first = line.find(' ');
        const size_t last = line.rfind(' ');
        if (first == std::string_view::npos || first == last)
            ctx.fail("expected '<id> <literal> <nbytes>'");
        const uint64_t id = parseNumber(line.substr(0, first), "token id", ctx);
        const uint64_t nbytes = parseNumber(line.substr(last + 1), "byte count", ctx);
        if (id == 0 || id >= kVocabSize)
            ctx.fail("token id " + std::to_string(id) + " outside 1.." + std::to_string(kVocabSize - 1));
        if (lineOfId[id] != 0)
            ctx.fail("token id " + std::to_string(id) + " already defined on line " + std::to_string(lineOfId[id]));
        std::string bytes = parseLiteral(line.substr(first + 1, last - first - 1), ctx);
        if (bytes.empty())
            ctx.fail("empty token");
        if (bytes.size() != nbytes)
            ctx.fail("literal is " + std::to_string(bytes.size()) + " bytes but the line says " + std::to_string(nbytes));
        tokens[id] = std::move(bytes);
        lineOfId[id] = static_cast<uint32_t>(lineNo);
    }

    std::unique_ptr<WorldTokenizer> tokenizer(new WorldTokenizer());
    size_t total = 0;
    for (const std::string& t : tokens)
        total += t.size();
    if (total > std::numeric_limits<uint32_t>::max())
        throw Error(ErrorCode::BadFile, pathToUtf8(vocabFile) + ": vocabulary too large");
    tokenizer->m_bytes.reserve(total);
    tokenizer->m_offsets.reserve(kVocabSize + 1);
    for (const std::string& t : tokens) {
        tokenizer->m_offsets.push_back(static_cast<uint32_t>(tokenizer->m_bytes.size()));
        tokenizer->m_bytes += t;
    }
    tokenizer->m_offsets.push_back(static_cast<uint32_t>(tokenizer->m_bytes.size()));
    tokenizer->buildTrie(lineOfId, vocabFile);
    return tokenizer;
}

void WorldTokenizer::buildTrie(std::span<const uint32_t> lineOfId, const std::filesystem::path& file)
{
    // Insert into a pointer-free temporary trie first, then lay it out breadth first so that
    // every node's children are adjacent and sorted: encode() then touches few cache lines.
    struct TempNode {
        std::vector<std::pair<uint8_t, uint32_t>> children;
        int32_t tokenId = 0;
    };
    std::vector<TempNode> temp(1);
    temp.reserve(1 << 17);
    // The root has a child for nearly every byte; a direct table avoids scanning 256 entries.
    std::vector<uint32_t> rootChild(256, 0);
    for (size_t id = 1; id < kVocabSize; ++id) {
        const std::string_view bytes = tokenBytes(static_cast<int32_t>(id));
        if (bytes.empty())
            continue;
        const auto lead = static_cast<uint8_t>(bytes[0]);
        if (rootChild[lead] == 0) {
            rootChild[lead] = static_cast<uint32_t>(temp.size());
            temp[0].children.emplace_back(lead, rootChild[lead]);
            temp.emplace_back();
        }
        uint32_t node = rootChild[lead];
        for (const char ch : bytes.substr(1)) {
            const auto b = static_cast<uint8_t>(ch);
            auto& kids = temp[node].children;
            const auto it = std::find_if(kids.begin(), kids.end(), [b](const auto& k) { return k.first == b; });
            if (it != kids.end()) {
                node = it->second;
                continue;
            }
            const auto child = static_cast<uint32_t>(temp.size());
            kids.emplace_back(b, child);
            temp.emplace_back();
            node = child;
        }
        if (temp[node].tokenId != 0)
            LineContext(file, lineOfId[id]).fail("same bytes as token " + std::to_string(temp[node].tokenId));
        temp[node].tokenId = static_cast<int32_t>(id);
    }

    m_nodes.assign(temp.size(), Node{});
    m_labels.assign(temp.size(), 0);
    std::vector<uint32_t> order{0}; // temp index of each laid-out node, in breadth-first order
    order.reserve(temp.size());
    for (size_t i = 0; i < order.size(); ++i) {
        auto& kids = temp[order[i]].children;
        std::sort(kids.begin(), kids.end());
        m_nodes[i].firstChild = static_cast<uint32_t>(order.size());
        m_nodes[i].childCount = static_cast<uint16_t>(kids.size());
        m_nodes[i].tokenId = temp[order[i]].tokenId;
        for (const auto& [b, child] : kids) {
            m_labels[order.size()] = b;
            order.push_back(child);
        }
    }

    // encode() indexes the root's children by byte value and relies on every byte being a token.
    const Node& root = m_nodes[0];
    std::vector<bool> isToken(256, false);
    for (uint32_t i = 0; i < root.childCount; ++i)
        isToken[m_labels[root.firstChild + i]] = m_nodes[root.firstChild + i].tokenId != 0;
    for (uint32_t b = 0; b < 256; ++b) {
        if (!isToken[b]) {
            std::ostringstream msg;
            msg << pathToUtf8(file) << ": no token for the single byte 0x" << std::hex << b;
            throw Error(ErrorCode::BadFile, msg.str());
        }
    }
}

std::vector<int32_t> WorldTokenizer::encode(std::string_view utf8) const
{
    std::vector<int32_t> out;
    out.reserve(utf8.size() / 3 + 1);
    const auto* data = reinterpret_cast<const uint8_t*>(utf8.data());
    const size_t n = utf8.size();
    const uint32_t rootFirst = m_nodes[0].firstChild;
    const uint8_t* labels = m_labels.data();
    size_t pos = 0;
    while (pos < n) {
        uint32_t node = rootFirst + data[pos];
        int32_t bestId = m_nodes[node].tokenId;
        size_t bestLen = 1;
        for (size_t p = pos + 1; p < n; ++p) {
            const Node& current = m_nodes[node];
            const uint8_t* first = labels + current.firstChild;
            const uint8_t* last = first + current.childCount;
            // Most nodes have a handful of children; a linear scan beats binary search there.
            const uint8_t* hit = current.childCount <= 16 ? std::find(first, last, data[p])
                                                          : std::lower_bound(first, last, data[p]);
            if (hit == last || *hit != data[p])
                break;
            node = static_cast<uint32_t>(hit - labels);
            if (m_nodes[node].tokenId != 0) {
                bestId = m_nodes[node].tokenId;
                bestLen = p + 1 - pos;
            }
        }
        out.push_back(bestId);
        pos += bestLen;
    }
    return out;
}

std::string_view WorldTokenizer::tokenBytes(int32_t id) const
{
    if (id <= 0 || static_cast<size_t>(id) >= kVocabSize)
        return {};
    const uint32_t begin = m_offsets[static_cast<size_t>(id)];
    const uint32_t end = m_offsets[static_cast<size_t>(id) + 1];
    return std::string_view(m_bytes).substr(begin, end - begin);
}

} // namespace rwkv
