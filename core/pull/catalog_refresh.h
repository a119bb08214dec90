#pragma once
// The model catalog refreshed from a URL (the app's "Catalog URL" setting, `rwkv-cli pull
// --catalog URL`), so new official models appear without a new release. The download goes to
// FILE.part and replaces FILE only once it parses as a catalog: an unreachable URL or a file
// that is not a catalog leaves the previous one in use. Blocking; Qt-free.
#include "core/model_catalog.h"

#include <cstdint>
#include <filesystem>
#include <string>

namespace rwkv {

// Larger than any catalog of checkpoints will be; a bigger answer is not a catalog.
inline constexpr uint64_t kMaxCatalogBytes = uint64_t(4) << 20;

// Downloads `url` as the catalog at `file` and returns it. Throws Error(Io) for HTTP errors or
// an answer over kMaxCatalogBytes, Error(BadFile) with the parser's message for one that is not
// a catalog, Error(Unsupported) in a build without downloads; `file` is untouched then.
ModelCatalog refreshCatalog(const std::string& url, const std::filesystem::path& file);

} // namespace rwkv
