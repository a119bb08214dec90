#pragma once
// One file over HTTP(S) into a .part file through libcurl, resumed with a Range request from
// the bytes already there: after a restart, after a dropped connection (retried with backoff),
// and after Ctrl+C. A server that ignores Range sends the whole file again: the .part is then
// started over from zero, and `note` says so. Used by pullModel (model_pull.h).
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace rwkv {

struct DownloadRequest {
    std::string url;
    std::filesystem::path partPath;
    // Shown while bytes arrive: bytes in the .part, the whole file's size when known, speed.
    std::function<void(uint64_t done, std::optional<uint64_t> total, double bytesPerSecond)> progress;
    // One-line notices (required): a restart from zero, a retry after a dropped connection.
    std::function<void(const std::string&)> note;
    // Called with the bytes still to come once the server states the file's size; throws to refuse.
    std::function<void(uint64_t remaining)> checkSpace;
    // Set (by a signal handler) to stop; the .part is kept.
    const std::atomic<bool>* interrupted = nullptr;
};

struct DownloadResult {
    std::optional<uint64_t> serverSize;   // the size the server gave for the whole file
    std::optional<std::string> serverSha256; // X-Linked-ETag / ETag when it is a sha256 (Hugging Face)
};

// Throws Error(Io) for an HTTP error (404 named), a redirect loop, a full disk (the .part kept),
// a connection still dropping after the retries; Error(Cancelled) when interrupted.
DownloadResult downloadToPart(const DownloadRequest& request);

} // namespace rwkv
