#pragma once
// What the store commands (chat --db, conv, state, doc) share: opening the database (--db F,
// default in the user data folder),
// and plain-text formatting of ids, sizes and times.
#include "core/store/store.h"
#include "core/store/transfer.h"
#include "tools/rwkv-cli/args.h"
#include "tools/rwkv-cli/model_setup.h"
#include "tools/rwkv-cli/progress_line.h" // formatBytes

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rwkv::cli {

// Opens --db F, or Store::defaultPath() (creating its folder).
std::unique_ptr<Store> openStore(const std::optional<std::string>& db);
// A positive integer id; Error(InvalidArgument) naming `what` otherwise.
int64_t parseId(const std::string& text, const char* what);

// Saves `state` as the named state `name` and says so on `report`; one of that name is
// replaced when `replace`, else refused with Error(InvalidArgument).
void saveNamedState(Store& store, const std::string& name, const LoadedModel& m, const State& state, bool replace,
                    std::FILE* report);

// The loaded model as the weights imported states must belong to.
TransferModel transferModel(const LoadedModel& m);

// Local time "2026-11-23 14:05".
std::string formatTime(int64_t unixMillis);
// Writes and flushes (streamed replies).
void writeStdout(std::string_view text);

} // namespace rwkv::cli
