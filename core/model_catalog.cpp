#include "core/model_catalog.h"

#include "core/error.h"
#include "core/io/stdio_file.h"
#include "core/paths.h"
#include "core/utf8_path.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <memory>
#include <set>

namespace rwkv {

namespace {

using nlohmann::json;

constexpr int kFormat = 1;
// The fields an entry may list as unconfirmed: the ones looked up in public sources.
const std::set<std::string> kCheckable = {"size", "sha256", "url", "parameters"};

class EntryReader {
public:
    EntryReader(const json& j, const std::string& where) : m_j(j), m_where(where) {}

    [[noreturn]] void fail(const std::string& what) const { throw Error(ErrorCode::BadFile, m_where + ": " + what); }

    const json& field(const char* name) const
    {
        if (!m_j.contains(name)) fail(std::string("no '") + name + "'");
        return m_j.at(name);
    }
    std::string text(const char* name) const
    {
        const json& v = field(name);
        if (!v.is_string() || v.get_ref<const std::string&>().empty()) fail(std::string("'") + name + "' must be a non-empty string");
        return v.get<std::string>();
    }
    uint64_t positive(const char* name) const
    {
        const json& v = field(name);
        if (!v.is_number_unsigned() || v.get<uint64_t>() == 0) fail(std::string("'") + name + "' must be a positive integer");
        return v.get<uint64_t>();
    }

private:
    const json& m_j;
    std::string m_where;
};

bool validName(const std::string& name)
{
    return std::all_of(name.begin(), name.end(), [](char c) {
        return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
    });
}

CatalogEntry readEntry(const json& j, const std::string& where)
{
    if (!j.is_object()) throw Error(ErrorCode::BadFile, where + ": not an object");
    EntryReader r(j, where);
    CatalogEntry e;
    e.name = r.text("name");
    if (!validName(e.name)) r.fail("name '" + e.name + "' may only hold a-z, 0-9, '.', '-' and '_'");
    const std::string named = where + " (" + e.name + ")";
    EntryReader n(j, named);
    e.title = n.text("title");
    e.generation = n.text("generation");
    if (e.generation != "x060" && e.generation != "x070") n.fail("generation must be x060 or x070");
    e.parameters = n.positive("parameters");
    e.size = n.positive("size");
    e.url = n.text("url");
    if (e.url.rfind("https://", 0) != 0 && e.url.rfind("http://", 0) != 0) n.fail("url must be http(s)");
    if (e.fileName().empty()) n.fail("url must end with a file name");
    e.license = n.text("license");
    const json& sha = n.field("sha256");
    if (sha.is_string()) {
        e.sha256 = sha.get<std::string>();
        if (!isSha256Hex(*e.sha256)) n.fail("sha256 must be 64 hex digits");
        std::transform(e.sha256->begin(), e.sha256->end(), e.sha256->begin(), [](char c) { return char(std::tolower(static_cast<unsigned char>(c))); });
    } else if (!sha.is_null()) {
        n.fail("sha256 must be a string or null");
    }
    const json& unconfirmed = n.field("unconfirmed");
    if (!unconfirmed.is_array()) n.fail("unconfirmed must be an array of field names");
    for (const json& f : unconfirmed) {
        if (!f.is_string() || !kCheckable.count(f.get<std::string>())) n.fail("unconfirmed lists an unknown field");
        e.unconfirmed.push_back(f.get<std::string>());
    }
    const auto listed = [&](const char* f) { return std::find(e.unconfirmed.begin(), e.unconfirmed.end(), f) != e.unconfirmed.end(); };
    // A checksum that could not be found must say so rather than look forgotten.
    if (!e.sha256 && !listed("sha256")) n.fail("sha256 is null but not listed as unconfirmed");
    if (e.sha256 && listed("sha256")) n.fail("sha256 is given but listed as unconfirmed");
    e.sizeConfirmed = !listed("size");
    return e;
}

} // namespace

std::string CatalogEntry::fileName() const { return urlFileName(url); }

std::string urlFileName(std::string_view url)
{
    url = url.substr(0, url.find_first_of("?#"));
    return std::string(url.substr(url.find_last_of('/') + 1));
}

ModelCatalog ModelCatalog::parse(std::string_view text, const std::string& source)
{
    json j = json::parse(text.begin(), text.end(), nullptr, false);
    if (j.is_discarded()) throw Error(ErrorCode::BadFile, "catalog " + source + ": not valid JSON");
    if (!j.is_object() || !j.contains("format") || j["format"] != kFormat)
        throw Error(ErrorCode::BadFile, "catalog " + source + ": not a format-" + std::to_string(kFormat) + " model catalog");
    if (!j.contains("models") || !j["models"].is_array()) throw Error(ErrorCode::BadFile, "catalog " + source + ": no 'models' array");
    ModelCatalog catalog;
    std::set<std::string> seen;
    for (size_t i = 0; i < j["models"].size(); ++i) {
        CatalogEntry e = readEntry(j["models"][i], "catalog " + source + ": model " + std::to_string(i + 1));
        if (!seen.insert(e.name).second) throw Error(ErrorCode::BadFile, "catalog " + source + ": model '" + e.name + "' appears twice");
        catalog.m_entries.push_back(std::move(e));
    }
    return catalog;
}

ModelCatalog ModelCatalog::load(const std::filesystem::path& file)
{
    const std::string name = pathToUtf8(file);
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(openStdioFile(file, "rb"), &std::fclose);
    if (!f) throw Error(ErrorCode::Io, "cannot open catalog " + name + ": " + std::strerror(errno));
    std::string text;
    char buf[1 << 14];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, f.get())) > 0;) text.append(buf, n);
    if (std::ferror(f.get())) throw Error(ErrorCode::Io, "cannot read catalog " + name);
    return parse(text, name);
}

const CatalogEntry* ModelCatalog::find(std::string_view name) const
{
    for (const CatalogEntry& e : m_entries)
        if (e.name == name) return &e;
    return nullptr;
}

std::string ModelCatalog::names() const
{
    std::string out;
    for (const CatalogEntry& e : m_entries) out.append(out.empty() ? "" : ", ").append(e.name);
    return out;
}

std::filesystem::path defaultCatalogPath() { return installDataDir() / "catalog" / "models.json"; }

std::filesystem::path refreshedCatalogPath() { return userDataDir() / "catalog.json"; }

std::filesystem::path catalogInUse(const std::filesystem::path& shipped, const std::filesystem::path& refreshed)
{
    std::error_code ec;
    if (!std::filesystem::exists(refreshed, ec)) return shipped;
    try {
        ModelCatalog::load(refreshed);
        return refreshed;
    } catch (const Error&) {
        return shipped; // damaged since it was refreshed: the shipped one still works
    }
}

bool isSha256Hex(std::string_view text)
{
    return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

} // namespace rwkv
