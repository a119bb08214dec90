#include "core/pull/model_pull.h"

#include "core/error.h"
#include "core/format_bytes.h"
#include "core/pull/file_sha256.h"
#include "core/pull/http_download.h"
#include "core/utf8_path.h"


namespace rwkv {

namespace {

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
[[noreturn]] void rejectPart(const PullFiles& files, const std::string& why)
{
    std::filesystem::rename(files.part, files.bad);
    throw Error(ErrorCode::BadFile, why + "; the file is kept aside as " + pathToUtf8(files.bad) + " and will not be loaded");
}

} // namespace

PullResult pullModel(const PullSource& source, const std::filesystem::path& dir, const PullOptions& options)
{
    std::filesystem::create_directories(dir);
    const PullFiles files = pullFiles(dir, source.fileName);
    PullResult result;
    result.file = files.file;
    if (std::filesystem::exists(files.file)) {
        result.alreadyThere = true;
        options.note(pathToUtf8(files.file) + " is already there (delete it to download it again)");
        return result;
    }
    std::error_code ec;
    const uint64_t have = std::filesystem::exists(files.part) ? uint64_t(std::filesystem::file_size(files.part, ec)) : 0;
    if (source.size && *source.size > have) checkFreeSpace(dir, *source.size - have);
    if (have > 0) options.note("resuming " + pathToUtf8(files.part) + " from " + formatBytes(int64_t(have)));

    DownloadRequest request;
    request.url = source.url;
    request.partPath = files.part;
    request.interrupted = options.interrupted;
    request.progress = options.progress;
    request.note = options.note;
    request.checkSpace = [&](uint64_t remaining) { checkFreeSpace(dir, remaining); };
    const DownloadResult download = downloadToPart(request);

    const uint64_t size = uint64_t(std::filesystem::file_size(files.part));
    const std::optional<uint64_t> expected = source.sizeExact ? source.size : download.serverSize;
    if (expected && size != *expected)
        rejectPart(files, "the download has " + std::to_string(size) + " bytes, not the expected " + std::to_string(*expected));
    const std::optional<std::string> sha = source.sha256 ? source.sha256 : download.serverSha256;
    if (sha) {
        const std::string actual = fileSha256(files.part, options.interrupted);
        if (actual != *sha) rejectPart(files, "checksum mismatch: sha256 " + actual + ", expected " + *sha);
        options.note("sha256 verified (" + std::string(source.sha256 ? "from the catalog" : "given by the server") + "): " + *sha);
        result.verified = true;
    } else {
        options.note("not verified: no checksum known for " + source.label + " (" + (expected ? "its size matched" : "nor its size") + ")");
    }
    std::filesystem::rename(files.part, files.file);
    return result;
}

} // namespace rwkv
