// pullModel in a build without libcurl or OpenSSL (and in the Windows build: Debian has no
// mingw libcurl): it says so, and the caller shows the reason.
#include "core/error.h"
#include "core/pull/catalog_refresh.h"
#include "core/pull/model_pull.h"

namespace rwkv {

PullResult pullModel(const PullSource&, const std::filesystem::path&, const PullOptions&)
{
    throw Error(ErrorCode::Unsupported, "this build cannot download models (built without libcurl or for Windows): download the "
                                        "model's .pth with a browser and open it");
}

ModelCatalog refreshCatalog(const std::string&, const std::filesystem::path&)
{
    throw Error(ErrorCode::Unsupported, "this build cannot download (built without libcurl or for Windows): the shipped catalog is used");
}

} // namespace rwkv
