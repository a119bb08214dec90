#include "core/store/store.h"

#include "core/error.h"
#include "core/paths.h"

#include <system_error>

namespace rwkv {

namespace {

Database openCreatingFolder(const std::filesystem::path& path, const DatabaseOptions& options)
{
    if (!options.readOnly && path.has_parent_path()) {
        std::error_code ec;
        std::filesystem::create_directories(path.parent_path(), ec);
        if (ec) throw Error(ErrorCode::Io, "cannot create the folder " + path.parent_path().string() + ": " + ec.message());
    }
    return Database::open(path, options);
}

} // namespace

std::filesystem::path Store::defaultPath() { return userDataDir() / "rwkv-desktop.sqlite"; }

Store::Store(const std::filesystem::path& path, const DatabaseOptions& options)
    : m_db(openCreatingFolder(path, options)), m_conversations(m_db), m_snapshots(m_db), m_documents(m_db),
      m_prefixes(m_db, m_snapshots)
{
}

std::string Store::integrityCheck()
{
    std::string problems;
    Statement integrity = m_db.prepare("PRAGMA integrity_check");
    while (integrity.step()) {
        const std::string line = integrity.columnText(0);
        if (line != "ok") problems += line + "\n";
    }
    Statement keys = m_db.prepare("PRAGMA foreign_key_check");
    while (keys.step())
        problems += "foreign key violation in " + keys.columnText(0) + " row " + std::to_string(keys.columnInt(1)) + "\n";
    return problems.empty() ? "ok" : problems;
}

} // namespace rwkv
