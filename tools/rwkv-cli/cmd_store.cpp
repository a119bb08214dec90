// rwkv-cli store check: the database file's own health (SQLite integrity_check), read-only;
// store prune: the states that can be rebuilt deleted (core/store/state_retention.h), then VACUUM.
#include "core/error.h"
#include "core/format_bytes.h"
#include "core/store/database.h"
#include "core/store/state_retention.h"
#include "core/store/store.h"
#include "core/utf8_path.h"
#include "tools/rwkv-cli/commands.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>

namespace rwkv::cli {

namespace {

int64_t fileBytes(const std::filesystem::path& path)
{
    std::error_code ec;
    const auto n = std::filesystem::file_size(path, ec);
    return ec ? 0 : int64_t(n);
}

int runPrune(Args& args)
{
    const std::filesystem::path path = args.value("db").value_or(Store::defaultPath().string());
    const int keepEvery = args.intValue("keep-every", kDefaultKeepEvery);
    const bool json = args.flag("json");
    args.finish();
    if (!std::filesystem::exists(path)) throw Error(ErrorCode::InvalidArgument, "no database at " + pathToUtf8(path));
    Store store(path);
    const int64_t before = fileBytes(path);
    const PruneReport report = freeSpace(store, keepEvery);
    const int64_t after = fileBytes(path);
    if (json)
        std::printf("%s\n", nlohmann::json{{"database", pathToUtf8(path)}, {"states_deleted", report.snapshots},
                                           {"state_bytes", report.bytes}, {"file_bytes_before", before}, {"file_bytes_after", after}}
                                .dump()
                                .c_str());
    else
        std::printf("%s: %lld states deleted (%s, rebuilt when needed by replaying at most %d turns); the file went from %s to %s\n",
                    pathToUtf8(path).c_str(), (long long)report.snapshots, formatBytes(report.bytes).c_str(), keepEvery - 1,
                    formatBytes(before).c_str(), formatBytes(after).c_str());
    return 0;
}

} // namespace

int runStore(Invocation& call)
{
    Args& args = call.options;
    if (call.spec->verb == "prune") return runPrune(args);
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
