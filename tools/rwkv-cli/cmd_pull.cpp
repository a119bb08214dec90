// rwkv-cli pull NAME|URL: a model from the catalog (or any URL) into the models folder, written
// to FILE.part, resumed after a restart or a dropped connection, and renamed to FILE only once
// its size and sha256 check out. A file that fails the check is kept aside as FILE.bad.
#include "core/error.h"
#include "tools/rwkv-cli/commands.h"

#ifdef RWKV_HAVE_PULL
#include "core/model_catalog.h"
#include "core/paths.h"
#include "core/utf8_path.h"
#include "tools/rwkv-cli/file_sha256.h"
#include "tools/rwkv-cli/http_download.h"
#include "tools/rwkv-cli/progress_line.h"

#include <curl/curl.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#endif

namespace rwkv::cli {

#ifndef RWKV_HAVE_PULL

int runPull(Invocation&)
{
    throw Error(ErrorCode::Unsupported, "this build has no 'pull' (built without libcurl or for Windows): download the model's "
                                        ".pth with a browser and pass it with --model");
}

#else

namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void onInterrupt(int) { g_interrupted = true; }

// What to download and what it must match.
struct Source {
    std::string label; // the catalog name or the URL, for messages
    std::string url;
    std::string fileName;
    std::optional<uint64_t> size; // bytes, the exact size when sizeExact
    bool sizeExact = false;
    std::optional<std::string> sha256;
};

Source resolve(const std::string& target, const std::filesystem::path& catalogFile)
{
    Source s;
    s.label = target;
    if (target.find("://") != std::string::npos) {
        s.url = target;
        s.fileName = urlFileName(target);
        if (s.fileName.empty() || s.fileName == "." || s.fileName == "..")
            throw Error(ErrorCode::InvalidArgument, "the URL does not end with a file name: " + target);
        return s;
    }
    const ModelCatalog catalog = ModelCatalog::load(catalogFile);
    const CatalogEntry* e = catalog.find(target);
    if (!e) throw Error(ErrorCode::InvalidArgument, "no model '" + target + "' in the catalog (" + catalog.names() + "), nor a URL");
    s.url = e->url;
    s.fileName = e->fileName();
    s.size = e->size;
    s.sizeExact = e->sizeConfirmed;
    s.sha256 = e->sha256;
    return s;
}

void checkFreeSpace(const std::filesystem::path& dir, uint64_t needed)
{
    std::error_code ec;
    const std::filesystem::space_info space = std::filesystem::space(dir, ec);
    if (ec) return; // unknown: the write itself reports a full disk
    if (needed > space.available)
        throw Error(ErrorCode::Io, "not enough free space in " + pathToUtf8(dir) + ": the download needs " + formatBytes(int64_t(needed)) +
                                       " more, " + formatBytes(int64_t(space.available)) + " are free");
}

// The .part moved aside as FILE.bad (replacing an older one), so it is never loaded nor resumed.
[[noreturn]] void rejectPart(const std::filesystem::path& part, const std::filesystem::path& bad, const std::string& why)
{
    std::filesystem::rename(part, bad);
    throw Error(ErrorCode::BadFile, why + "; the file is kept aside as " + pathToUtf8(bad) + " and will not be loaded");
}

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

} // namespace

int runPull(Invocation& call)
{
    Args& args = call.options;
    const auto out = args.value("out");
    const auto catalogFile = args.value("catalog");
    args.finish();
    const Source source = resolve(call.positionals[0], catalogFile ? pathFromUtf8(*catalogFile) : defaultCatalogPath());
    const std::filesystem::path dir = out ? pathFromUtf8(*out) : userDataDir() / "models";
    std::filesystem::create_directories(dir);
    const std::filesystem::path file = dir / pathFromUtf8(source.fileName);
    const std::filesystem::path part = dir / pathFromUtf8(source.fileName + ".part");
    const std::filesystem::path bad = dir / pathFromUtf8(source.fileName + ".bad");
    if (std::filesystem::exists(file)) {
        std::fprintf(stderr, "%s is already there (delete it to download it again)\n", pathToUtf8(file).c_str());
        std::printf("%s\n", pathToUtf8(file).c_str());
        return 0;
    }
    std::error_code ec;
    const uint64_t have = std::filesystem::exists(part) ? uint64_t(std::filesystem::file_size(part, ec)) : 0;
    if (source.size && *source.size > have) checkFreeSpace(dir, *source.size - have);
    if (have > 0) std::fprintf(stderr, "resuming %s from %s\n", pathToUtf8(part).c_str(), formatBytes(int64_t(have)).c_str());

    // Ctrl+C stops the transfer between two writes: the .part keeps every byte received.
    g_interrupted = false;
    std::signal(SIGINT, onInterrupt);
    std::signal(SIGTERM, onInterrupt);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    ProgressLine progressLine(stderr);
    DownloadRequest request;
    request.url = source.url;
    request.partPath = part;
    request.interrupted = &g_interrupted;
    request.progress = [&](uint64_t done, std::optional<uint64_t> total, double speed) {
        progressLine.show(progressText(source.fileName, done, total, speed));
    };
    request.note = [&](const std::string& line) {
        progressLine.clear();
        std::fprintf(stderr, "%s\n", line.c_str());
    };
    request.checkSpace = [&](uint64_t remaining) { checkFreeSpace(dir, remaining); };
    DownloadResult result;
    try {
        result = downloadToPart(request);
    } catch (...) {
        progressLine.clear();
        throw;
    }
    progressLine.clear();
    // Ctrl+C during the checks ends the process at once; the whole .part is verified next time.
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);

    const uint64_t size = uint64_t(std::filesystem::file_size(part));
    const std::optional<uint64_t> expected = source.sizeExact ? source.size : result.serverSize;
    if (expected && size != *expected)
        rejectPart(part, bad, "the download has " + std::to_string(size) + " bytes, not the expected " + std::to_string(*expected));
    const std::optional<std::string> sha = source.sha256 ? source.sha256 : result.serverSha256;
    if (sha) {
        const std::string actual = fileSha256(part);
        if (actual != *sha) rejectPart(part, bad, "checksum mismatch: sha256 " + actual + ", expected " + *sha);
        std::fprintf(stderr, "sha256 verified (%s): %s\n", source.sha256 ? "from the catalog" : "given by the server", sha->c_str());
    } else {
        std::fprintf(stderr, "not verified: no checksum known for %s (%s)\n", source.label.c_str(),
                     expected ? "its size matched" : "nor its size");
    }
    std::filesystem::rename(part, file);
    std::printf("%s\n", pathToUtf8(file).c_str());
    return 0;
}

#endif

} // namespace rwkv::cli
