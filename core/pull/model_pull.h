#pragma once
// A model from the catalog (or any URL) into a models folder, shared by `rwkv-cli pull` and the
// app's "Get a model" page: written to FILE.part, resumed after a restart or a dropped
// connection, renamed to FILE only once its size and sha256 check out; a file that fails the
// check is kept aside as FILE.bad, so a broken download never replaces nor becomes a model.
// Blocking: call it from a worker thread (the app) or the CLI's main thread. Qt-free.
#include "core/model_catalog.h"

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace rwkv {

// What to download and what it must match.
struct PullSource {
    std::string label; // the catalog name or the URL, for messages
    std::string url;
    std::string fileName;
    std::optional<uint64_t> size; // bytes; the exact size when sizeExact
    bool sizeExact = false;
    std::optional<std::string> sha256;
};

// `target` is a catalog name or a URL (anything with "://"). Throws Error(InvalidArgument) for
// a name not in the catalog or a URL without a file name.
PullSource pullSource(const std::string& target, const ModelCatalog& catalog);
PullSource pullSource(const CatalogEntry& entry);

// Where a source's files live in `dir`.
struct PullFiles {
    std::filesystem::path file, part, bad;
};
PullFiles pullFiles(const std::filesystem::path& dir, const std::string& fileName);

struct PullOptions {
    // While bytes arrive: bytes in the .part, the whole file's size when known, bytes per second.
    std::function<void(uint64_t done, std::optional<uint64_t> total, double bytesPerSecond)> progress;
    // One-line notices (required): resuming, a restart from zero, a retry, what was verified.
    std::function<void(const std::string&)> note;
    // Set from another thread (or a signal handler) to stop; the .part is kept.
    const std::atomic<bool>* interrupted = nullptr;
};

struct PullResult {
    std::filesystem::path file;
    bool alreadyThere = false; // FILE existed: nothing was downloaded nor checked
    bool verified = false;     // a sha256 matched (else only the size, or nothing: see the notes)
};

// Downloads `source` into `dir` (created when missing). Throws Error(Io) for HTTP errors (404
// named), a redirect loop, too little free space or a full disk (the .part kept),
// Error(BadFile) for a size or checksum mismatch (kept aside as FILE.bad), Error(Cancelled)
// when interrupted (the .part kept), Error(Unsupported) in a build without downloads.
PullResult pullModel(const PullSource& source, const std::filesystem::path& dir, const PullOptions& options);

} // namespace rwkv
