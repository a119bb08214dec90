// Loading of NeoxTokenizer: the Hugging Face `tokenizers` JSON file into flat tables.
#include "core/tokenizer/neox_tokenizer.h"

#include "core/error.h"
#include "core/utf8_path.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>

namespace rwkv {
namespace {

using nlohmann::json;

// Ids above this are rejected so a corrupt file cannot make us allocate gigabytes.
constexpr int64_t kMaxTokenId = (1 << 22) - 1;

// Reports problems as "<file>: <what>" so a user knows which file to replace.
class FileContext {
public:
    explicit FileContext(const std::filesystem::path& file) : m_file(file) {}

    [[noreturn]] void fail(const std::string& what) const
    {
        throw Error(ErrorCode::BadFile, pathToUtf8(m_file) + ": " + what);
    }
    [[noreturn]] void unsupported(const std::string& what) const
    {
        throw Error(ErrorCode::Unsupported, pathToUtf8(m_file) + ": " + what);
    }

    // object[key], which must exist; `where` names the object in the message.
    const json& field(const json& object, const char* key, const std::string& where) const
    {
        if (!object.is_object())
            fail(where + " is not a JSON object");
        const auto it = object.find(key);
        if (it == object.end())
            fail(where + " has no \"" + key + "\"");
        return *it;
    }

    std::string string(const json& value, const std::string& what) const
    {
        if (!value.is_string())
            fail(what + " is not a string");
        return value.get<std::string>();
    }

private:
    const std::filesystem::path& m_file;
};

// True if object[key] is missing, null, or equal to `plain` (the value that changes nothing).
bool absentOr(const json& object, const char* key, const json& plain)
{
    const auto it = object.find(key);
    return it == object.end() || it->is_null() || *it == plain;
}

// GPT-2's byte -> code point table: printable Latin-1 bytes map to themselves, the other 68 bytes
// (controls, space, 0x7F..0xA0, soft hyphen) to U+0100.. in byte order, so every token is printable.
std::array<char32_t, 256> byteToCodePoint()
{
    std::array<char32_t, 256> table{};
    char32_t next = 0x100;
    for (uint32_t b = 0; b < 256; ++b) {
        const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
        table[b] = printable ? b : next++;
    }
    return table;
}

// The raw bytes a byte-level token string stands for; false if a character is outside the table.
bool byteLevelToBytes(std::string_view token, const std::array<int16_t, 0x144>& byteOf, std::string& out)
{
    out.clear();
    for (size_t pos = 0; pos < token.size();) {
        const auto lead = static_cast<uint8_t>(token[pos]);
        const size_t length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
        if (pos + length > token.size())
            return false;
        char32_t cp = length == 1 ? lead : lead & (0x7Fu >> length);
        for (size_t k = 1; k < length; ++k)
            cp = (cp << 6) | (static_cast<uint8_t>(token[pos + k]) & 0x3Fu);
        if (cp >= byteOf.size() || byteOf[cp] < 0)
            return false;
        out.push_back(static_cast<char>(byteOf[cp]));
        pos += length;
    }
    return true;
}

std::string toUtf8(char32_t cp)
{
    std::string out;
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else {
        // The table only reaches U+0143, so two bytes always suffice.
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
    return out;
}

// Rejects pipeline stages that would change the ids and that this implementation does not do.
void checkPipeline(const json& root, const FileContext& ctx)
{
    const json& model = ctx.field(root, "model", "the file");
    if (ctx.string(ctx.field(model, "type", "\"model\""), "model type") != "BPE")
        ctx.unsupported("model type " + model["type"].dump() + " (only BPE is supported)");
    if (!absentOr(model, "dropout", 0.0) || !absentOr(model, "continuing_subword_prefix", "")
        || !absentOr(model, "end_of_word_suffix", "") || !absentOr(model, "byte_fallback", false)
        || !absentOr(model, "ignore_merges", false))
        ctx.unsupported("BPE options other than the plain byte-level ones of GPT-NeoX");

    const auto normalizer = root.find("normalizer");
    if (normalizer != root.end() && !normalizer->is_null() && normalizer->value("type", "") != "NFC")
        ctx.unsupported("normalizer " + normalizer->dump() + " (only NFC or none)");

    const json& pre = ctx.field(root, "pre_tokenizer", "the file");
    if (!pre.is_object() || pre.value("type", "") != "ByteLevel" || !absentOr(pre, "add_prefix_space", false)
        || !absentOr(pre, "use_regex", true))
        ctx.unsupported("pre_tokenizer " + pre.dump() + " (only ByteLevel without prefix space)");
    for (const char* stage : {"decoder", "post_processor"}) {
        const auto it = root.find(stage);
        if (it != root.end() && !it->is_null() && it->value("type", "") != "ByteLevel")
            ctx.unsupported(std::string(stage) + " " + it->dump() + " (only ByteLevel or none)");
    }
}

} // namespace

struct NeoxTokenizer::Loader {
    static std::unique_ptr<NeoxTokenizer> fromJson(const json& root, const FileContext& ctx);
};

std::unique_ptr<NeoxTokenizer> NeoxTokenizer::load(const std::filesystem::path& jsonFile)
{
    std::ifstream in(jsonFile, std::ios::binary);
    if (!in)
        throw Error(ErrorCode::Io, "cannot open tokenizer file " + pathToUtf8(jsonFile) + ": " + std::strerror(errno));
    const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad())
        throw Error(ErrorCode::Io, "cannot read tokenizer file " + pathToUtf8(jsonFile));

    const FileContext ctx(jsonFile);
    json root;
    try {
        root = json::parse(content);
    } catch (const json::exception& e) {
        ctx.fail(std::string("not valid JSON: ") + e.what());
    }
    try {
        return Loader::fromJson(root, ctx);
    } catch (const json::exception& e) {
        // A value of the wrong JSON type deep inside (e.g. a number where a string belongs).
        ctx.fail(e.what());
    }
}

std::unique_ptr<NeoxTokenizer> NeoxTokenizer::Loader::fromJson(const json& root, const FileContext& ctx)
{
    checkPipeline(root, ctx);

    std::unique_ptr<NeoxTokenizer> tok(new NeoxTokenizer());
    tok->m_nfc = root.contains("normalizer") && !root.at("normalizer").is_null();

    const std::array<char32_t, 256> codePointOf = byteToCodePoint();
    std::array<int16_t, 0x144> byteOf;
    byteOf.fill(-1);
    for (uint32_t b = 0; b < 256; ++b)
        byteOf[codePointOf[b]] = static_cast<int16_t>(b);

    const auto checkId = [&](const json& value, const std::string& what) {
        if (!value.is_number_integer() || value.get<int64_t>() < 0 || value.get<int64_t>() > kMaxTokenId)
            ctx.fail(what + " has id " + value.dump() + " (expected 0.." + std::to_string(kMaxTokenId) + ")");
        return value.get<int32_t>();
    };

    // Vocabulary: byte-level strings -> ids; tokens[id] holds the raw bytes.
    const json& model = root.at("model");
    const json& vocab = ctx.field(model, "vocab", "\"model\"");
    if (!vocab.is_object() || vocab.empty())
        ctx.fail("\"model.vocab\" is not a non-empty object");
    std::unordered_map<std::string, int32_t> idOf;
    idOf.reserve(vocab.size());
    std::vector<std::string> tokens;
    std::vector<bool> defined;
    const auto define = [&](int32_t id, std::string bytes) {
        if (static_cast<size_t>(id) >= tokens.size()) {
            tokens.resize(static_cast<size_t>(id) + 1);
            defined.resize(static_cast<size_t>(id) + 1, false);
        }
        tokens[static_cast<size_t>(id)] = std::move(bytes);
        defined[static_cast<size_t>(id)] = true;
    };
    std::string bytes;
    for (const auto& [text, value] : vocab.items()) {
        const int32_t id = checkId(value, "vocab token " + json(text).dump());
        if (static_cast<size_t>(id) < defined.size() && defined[static_cast<size_t>(id)])
            ctx.fail("vocab id " + std::to_string(id) + " is used twice");
        if (!byteLevelToBytes(text, byteOf, bytes))
            ctx.fail("vocab token " + json(text).dump() + " is not a byte-level string");
        define(id, bytes);
        idOf.emplace(text, id);
    }
    for (uint32_t b = 0; b < 256; ++b) {
        const auto it = idOf.find(toUtf8(codePointOf[b]));
        tok->m_byteIds[b] = it == idOf.end() ? -1 : it->second;
        // Valid UTF-8 never contains C0, C1 or F5..FF, so only the other bytes must have a token.
        const bool inUtf8 = b != 0xC0 && b != 0xC1 && b < 0xF5;
        if (inUtf8 && tok->m_byteIds[b] < 0) {
            std::ostringstream msg;
            msg << "no vocab token for the byte 0x" << std::hex << b;
            ctx.fail(msg.str());
        }
    }

    // Merges: "A B" strings (older files) or ["A", "B"] pairs (newer); the index is the rank.
    const json& merges = ctx.field(model, "merges", "\"model\"");
    if (!merges.is_array())
        ctx.fail("\"model.merges\" is not an array");
    tok->m_merges.reserve(merges.size());
    for (size_t rank = 0; rank < merges.size(); ++rank) {
        const json& m = merges[rank];
        const std::string where = "merge " + std::to_string(rank);
        std::string left;
        std::string right;
        if (m.is_string()) {
            const std::string s = m.get<std::string>();
            const size_t space = s.find(' ');
            if (space == std::string::npos || s.find(' ', space + 1) != std::string::npos)
                ctx.fail(where + " " + m.dump() + " is not two tokens separated by one space");
            left = s.substr(0, space);
            right = s.substr(space + 1);
        } else if (m.is_array() && m.size() == 2) {
            left = ctx.string(m[0], where);
            right = ctx.string(m[1], where);
        } else {
            ctx.fail(where + " " + m.dump() + " is neither \"A B\" nor [\"A\", \"B\"]");
        }
        const auto l = idOf.find(left);
        const auto r = idOf.find(right);
        const auto result = idOf.find(left + right);
        if (l == idOf.end() || r == idOf.end() || result == idOf.end())
            ctx.fail(where + " " + m.dump() + " uses or makes a token that is not in the vocab");
        const uint64_t key = static_cast<uint64_t>(l->second) << 32 | static_cast<uint32_t>(r->second);
        tok->m_merges.try_emplace(key, Merge{static_cast<uint32_t>(rank), result->second});
    }

    // Added tokens: special ones decode to nothing; the others (the space runs) to their content.
    const json& added = ctx.field(root, "added_tokens", "the file");
    if (!added.is_array())
        ctx.fail("\"added_tokens\" is not an array");
    for (size_t i = 0; i < added.size(); ++i) {
        const json& t = added[i];
        const std::string where = "added token " + std::to_string(i);
        const int32_t id = checkId(ctx.field(t, "id", where), where);
        std::string text = ctx.string(ctx.field(t, "content", where), where + " content");
        if (text.empty())
            ctx.fail(where + " has empty content");
        const bool special = t.value("special", false);
        const bool normalized = t.value("normalized", !special);
        if (t.value("single_word", false) || t.value("lstrip", false) || t.value("rstrip", false))
            ctx.unsupported(where + " uses single_word, lstrip or rstrip");
        define(id, special ? std::string() : text);
        (normalized ? tok->m_normalizedTokens : tok->m_rawTokens).push_back({std::move(text), id});
    }

    // `tokenizers` normalises the content of normalised added tokens too, so they match normalised text.
    if (tok->m_nfc) {
        for (neox::AddedToken& t : tok->m_normalizedTokens)
            t.content = neox::toNfc(t.content);
    }

    size_t total = 0;
    for (const std::string& t : tokens)
        total += t.size();
    if (total > std::numeric_limits<uint32_t>::max())
        ctx.fail("vocabulary too large");
    tok->m_bytes.reserve(total);
    tok->m_offsets.reserve(tokens.size() + 1);
    for (const std::string& t : tokens) {
        tok->m_offsets.push_back(static_cast<uint32_t>(tok->m_bytes.size()));
        tok->m_bytes += t;
    }
    tok->m_offsets.push_back(static_cast<uint32_t>(tok->m_bytes.size()));
    return tok;
}

} // namespace rwkv
