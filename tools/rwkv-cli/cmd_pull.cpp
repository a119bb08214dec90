// rwkv-cli pull NAME|URL: a model from the catalog (or any URL) into the models folder through
// core/pull (the app's "Get a model" page uses the same code): FILE.part, resumed after a
// restart, a dropped connection or Ctrl+C, renamed to FILE only once its size and sha256 check
// out, a file that fails the check kept aside as FILE.bad. This file adds the terminal: the
// progress line, the notices on stderr, Ctrl+C, the file's path on stdout.
#include "core/error.h"
#include "core/model_catalog.h"
#include "core/pull/catalog_refresh.h"
#include "core/paths.h"
#include "core/pull/model_pull.h"
#include "core/utf8_path.h"
#include "tools/rwkv-cli/commands.h"
#include "tools/rwkv-cli/progress_line.h"

#include <atomic>
#include <csignal>
#include <cstdio>

namespace rwkv::cli {

namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void onInterrupt(int) { g_interrupted = true; }

std::string progressText(const std::string& name, uint64_t done, std::optional<uint64_t> total, double speed)
{
    std::string text = name + ": " + formatBytes(int64_t(done));
    if (total && *total > 0) {
        char percent[16];
        std::snprintf(percent, sizeof percent, " (%.0f%%)", 100.0 * double(done) / double(*total));
        text += " of " + formatBytes(int64_t(*total)) + percent;
    }
    text += ", " + formatBytes(int64_t(speed)) + "/s";
    if (total && speed > 0 && *total > done) text += ", " + formatClock(double(*total - done) / speed) + " left";
    return text;
}

// Restores the default Ctrl+C once the transfer is over: during the checks it ends the process
// at once, and the whole .part is verified next time.
struct InterruptHandler {
    InterruptHandler()
    {
        g_interrupted = false;
        std::signal(SIGINT, onInterrupt);
        std::signal(SIGTERM, onInterrupt);
    }
    ~InterruptHandler()
    {
        std::signal(SIGINT, SIG_DFL);
        std::signal(SIGTERM, SIG_DFL);
    }
    InterruptHandler(const InterruptHandler&) = delete;
    InterruptHandler& operator=(const InterruptHandler&) = delete;
};

} // namespace

int runPull(Invocation& call)
{
    Args& args = call.options;
    const auto out = args.value("out");
    const auto catalogFile = args.value("catalog");
    args.finish();
    const std::string& target = call.positionals[0];
    // --catalog URL refreshes the catalog kept in the data folder (the app's too) first.
    auto catalog = [&] {
        if (catalogFile && catalogFile->find("://") != std::string::npos) {
            ModelCatalog refreshed = refreshCatalog(*catalogFile, refreshedCatalogPath());
            std::fprintf(stderr, "rwkv-cli: catalog refreshed from %s: %zu models\n", catalogFile->c_str(), refreshed.entries().size());
            return refreshed;
        }
        return ModelCatalog::load(catalogFile ? pathFromUtf8(*catalogFile) : catalogInUse(defaultCatalogPath(), refreshedCatalogPath()));
    };
    const PullSource source = target.find("://") != std::string::npos ? pullSource(target, ModelCatalog()) : pullSource(target, catalog());
    const std::filesystem::path dir = out ? pathFromUtf8(*out) : userDataDir() / "models";

    ProgressLine progressLine(stderr);
    PullOptions options;
    options.interrupted = &g_interrupted;
    options.progress = [&](uint64_t done, std::optional<uint64_t> total, double speed) {
        progressLine.show(progressText(source.fileName, done, total, speed));
    };
    options.note = [&](const std::string& line) {
        progressLine.clear();
        std::fprintf(stderr, "%s\n", line.c_str());
    };
    PullResult result;
    {
        // Ctrl+C stops the transfer between two writes: the .part keeps every byte received.
        InterruptHandler interrupts;
        try {
            result = pullModel(source, dir, options);
        } catch (...) {
            progressLine.clear();
            throw;
        }
    }
    progressLine.clear();
    std::printf("%s\n", pathToUtf8(result.file).c_str());
    return 0;
}

} // namespace rwkv::cli
