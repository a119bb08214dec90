#pragma once
// The catalog of official RWKV checkpoints (resources/catalog/models.json; format in
// docs/model-catalog.md): what `rwkv-cli pull NAME` downloads and checks. Qt-free.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rwkv {

struct CatalogEntry {
    std::string name;       // "rwkv7-g1a-2.9b": what `pull` is given
    std::string title;      // "RWKV-7 G1a 2.9B"
    std::string generation; // "x060" | "x070"
    uint64_t parameters = 0; // nominal count, as in the official name
    uint64_t size = 0;       // bytes; exact unless sizeConfirmed is false (then the listing's rounded figure)
    bool sizeConfirmed = false;
    std::string url;         // the official .pth
    std::string license;
    std::optional<std::string> sha256; // 64 lower-case hex digits, when known
    std::vector<std::string> unconfirmed; // fields that could not be checked against the source

    // The file name at the end of the URL ("rwkv7-g1a-2.9b-20250924-ctx4096.pth").
    std::string fileName() const;
};

class ModelCatalog {
public:
    // Throws Error(BadFile) naming the entry and field for malformed JSON, a missing or wrong
    // field, a duplicate name, or a null field not listed as unconfirmed; Error(Io) when the
    // file cannot be read.
    static ModelCatalog load(const std::filesystem::path& file);
    static ModelCatalog parse(std::string_view json, const std::string& source);

    const std::vector<CatalogEntry>& entries() const { return m_entries; }
    // The entry called `name`; null when there is none.
    const CatalogEntry* find(std::string_view name) const;
    // "rwkv7-g1-0.1b, rwkv7-g1-0.4b, …".
    std::string names() const;

private:
    std::vector<CatalogEntry> m_entries;
};

// The catalog shipped with the program (<prefix>/share/rwkv-desktop/catalog/models.json).
std::filesystem::path defaultCatalogPath();
// Where a catalog refreshed from a URL is kept (core/pull/catalog_refresh.h): catalog.json in
// the user's data folder.
std::filesystem::path refreshedCatalogPath();
// The catalog to use: `refreshed` where it exists and loads, else `shipped`.
std::filesystem::path catalogInUse(const std::filesystem::path& shipped, const std::filesystem::path& refreshed);

// The last path segment of `url`, without query or fragment; empty when the path ends with '/'.
std::string urlFileName(std::string_view url);
// Whether `text` is a sha256 written as 64 hex digits (either case).
bool isSha256Hex(std::string_view text);

} // namespace rwkv
