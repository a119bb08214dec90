// The parts of a pull that need no network library, so every build resolves names alike.
#include "core/error.h"
#include "core/pull/model_pull.h"
#include "core/utf8_path.h"

namespace rwkv {

PullSource pullSource(const CatalogEntry& entry)
{
    PullSource s;
    s.label = entry.name;
    s.url = entry.url;
    s.fileName = entry.fileName();
    s.size = entry.size;
    s.sizeExact = entry.sizeConfirmed;
    s.sha256 = entry.sha256;
    return s;
}

PullSource pullSource(const std::string& target, const ModelCatalog& catalog)
{
    if (target.find("://") != std::string::npos) {
        PullSource s;
        s.label = target;
        s.url = target;
        s.fileName = urlFileName(target);
        if (s.fileName.empty() || s.fileName == "." || s.fileName == "..")
            throw Error(ErrorCode::InvalidArgument, "the URL does not end with a file name: " + target);
        return s;
    }
    const CatalogEntry* e = catalog.find(target);
    if (!e) throw Error(ErrorCode::InvalidArgument, "no model '" + target + "' in the catalog (" + catalog.names() + "), nor a URL");
    return pullSource(*e);
}

PullFiles pullFiles(const std::filesystem::path& dir, const std::string& fileName)
{
    return {dir / pathFromUtf8(fileName), dir / pathFromUtf8(fileName + ".part"), dir / pathFromUtf8(fileName + ".bad")};
}

} // namespace rwkv
