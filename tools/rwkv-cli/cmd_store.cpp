// rwkv-cli store check: the database file's own health (SQLite integrity_check), read-only.
#include "core/error.h"
#include "core/store/database.h"
#include "core/store/store.h"
#include "core/utf8_path.h"
#include "tools/rwkv-cli/commands.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>

namespace rwkv::cli {

int runStore(Invocation& call)
{
    Args& args = call.options;
    const std::filesystem::path path = args.value("db").value_or(Store::defaultPath().string());
    const bool json = args.flag("json");
    args.finish();
    // Read-only and without the quick check on open: the full check below is the point, and
    // checking must never change (or refuse to look at) a damaged file.
    DatabaseOptions options;
    options.readOnly = true;
    options.quickCheckMaxBytes = 0;
    Database db = Database::open(path, options);
    const std::vector<std::string> problems = db.checkProblems(true);
    if (json) {
        std::printf("%s\n", nlohmann::json{{"database", pathToUtf8(path)}, {"ok", problems.empty()}, {"problems", problems}}
                                .dump()
                                .c_str());
    } else if (problems.empty()) {
        std::printf("%s: ok (integrity_check found no problem)\n", pathToUtf8(path).c_str());
    } else {
        std::printf("%s: damaged, %zu problem%s%s:\n", pathToUtf8(path).c_str(), problems.size(),
                    problems.size() == 1 ? "" : "s", problems.size() >= 100 ? " (the first 100)" : "");
        for (const std::string& p : problems) std::printf("  %s\n", p.c_str());
    }
    return problems.empty() ? 0 : 1;
}

} // namespace rwkv::cli
