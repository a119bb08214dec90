#include "core/pull/catalog_refresh.h"

#include "core/error.h"
#include "core/format_bytes.h"
#include "core/pull/http_download.h"

#include <fstream>
#include <sstream>

namespace rwkv {

ModelCatalog refreshCatalog(const std::string& url, const std::filesystem::path& file)
{
    if (!file.parent_path().empty()) std::filesystem::create_directories(file.parent_path());
    std::filesystem::path part = file;
    part += ".part";
    std::filesystem::remove(part); // a catalog is small: always whole, never resumed
    DownloadRequest request;
    request.url = url;
    request.partPath = part;
    request.note = [](const std::string&) {};
    request.checkSpace = [&](uint64_t remaining) {
        if (remaining > kMaxCatalogBytes)
            throw Error(ErrorCode::Io, url + " is " + formatBytes(int64_t(remaining)) + ", too large for a model catalog");
    };
    try {
        downloadToPart(request);
        std::ifstream in(part, std::ios::binary);
        std::stringstream text;
        text << in.rdbuf();
        if (text.str().size() > kMaxCatalogBytes)
            throw Error(ErrorCode::Io, url + " is larger than " + formatBytes(int64_t(kMaxCatalogBytes)) + ", too large for a model catalog");
        ModelCatalog catalog = ModelCatalog::parse(text.str(), url);
        std::filesystem::rename(part, file);
        return catalog;
    } catch (...) {
        std::error_code ec;
        std::filesystem::remove(part, ec);
        throw;
    }
}

} // namespace rwkv
