#include "core/pull/http_download.h"

#include "core/error.h"
#include "core/model_catalog.h"
#include "core/utf8_path.h"

#include <curl/curl.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>

namespace rwkv {

namespace {

constexpr long kMaxRedirects = 10;
// Dropped connections in a row (no byte received in between) before giving up; waits of 1, 2,
// 4, 8, 16 s between them.
constexpr int kMaxRetries = 5;
// A connection that brings less than a byte a second for this long counts as dropped.
constexpr long kStallSeconds = 60;

std::string lowerCase(std::string s)
{
    std::transform(s.begin(), s.end(), s.begin(), [](char c) { return char(std::tolower(static_cast<unsigned char>(c))); });
    return s;
}

// An ETag that is a sha256 (Hugging Face gives the LFS object's: "\"<64 hex>\""), else nothing.
std::optional<std::string> sha256FromEtag(std::string value)
{
    if (value.rfind("W/", 0) == 0) value.erase(0, 2);
    value.erase(std::remove(value.begin(), value.end(), '"'), value.end());
    if (!isSha256Hex(value)) return std::nullopt;
    return lowerCase(value);
}

uint64_t fileSizeOrZero(const std::filesystem::path& path)
{
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    return ec ? 0 : uint64_t(size);
}

std::string httpError(long code, const std::string& url)
{
    if (code == 404) return "not found (HTTP 404): " + url;
    if (code == 401 || code == 403) return "access refused (HTTP " + std::to_string(code) + "): " + url;
    return "the server answered HTTP " + std::to_string(code) + " for " + url;
}

bool isDroppedConnection(CURLcode rc)
{
    switch (rc) {
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_COULDNT_CONNECT:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM: return true;
    default: return false;
    }
}

// One HTTP request, appending to the .part from its current size.
class Transfer {
public:
    enum class Outcome { Done, Dropped };

    Transfer(const DownloadRequest& request, CURL* curl, DownloadResult& result)
        : m_request(request), m_curl(curl), m_result(result), m_offset(fileSizeOrZero(request.partPath)), m_written(m_offset)
    {
    }
    ~Transfer()
    {
        if (m_fd >= 0) ::close(m_fd);
    }
    Transfer(const Transfer&) = delete;
    Transfer& operator=(const Transfer&) = delete;

    Outcome run()
    {
        char errors[CURL_ERROR_SIZE] = {};
        const std::string range = std::to_string(m_offset) + "-";
        curl_easy_setopt(m_curl, CURLOPT_RANGE, m_offset > 0 ? range.c_str() : nullptr);
        curl_easy_setopt(m_curl, CURLOPT_ERRORBUFFER, errors);
        curl_easy_setopt(m_curl, CURLOPT_HEADERFUNCTION, &Transfer::headerThunk);
        curl_easy_setopt(m_curl, CURLOPT_HEADERDATA, this);
        curl_easy_setopt(m_curl, CURLOPT_WRITEFUNCTION, &Transfer::bodyThunk);
        curl_easy_setopt(m_curl, CURLOPT_WRITEDATA, this);
        curl_easy_setopt(m_curl, CURLOPT_XFERINFOFUNCTION, &Transfer::progressThunk);
        curl_easy_setopt(m_curl, CURLOPT_XFERINFODATA, this);
        m_start = std::chrono::steady_clock::now();
        const CURLcode rc = curl_easy_perform(m_curl);
        curl_easy_setopt(m_curl, CURLOPT_ERRORBUFFER, nullptr); // `errors` ends with this call
        if (m_failure) std::rethrow_exception(m_failure);
        const std::string part = pathToUtf8(m_request.partPath);
        if (rc == CURLE_ABORTED_BY_CALLBACK && interrupted())
            throw Error(ErrorCode::Cancelled, "interrupted: " + std::to_string(m_written) + " bytes kept in " + part +
                                                  "; start the download again to resume");
        if (rc == CURLE_TOO_MANY_REDIRECTS)
            throw Error(ErrorCode::Io, "more than " + std::to_string(kMaxRedirects) + " redirects (a redirect loop?) from " + m_request.url);
        long code = 0;
        curl_easy_getinfo(m_curl, CURLINFO_RESPONSE_CODE, &code);
        if (rc == CURLE_OK && code == 416 && m_offset > 0) {
            // Nothing after the bytes already there: the .part is whole (or too long, which the
            // size and checksum checks then catch).
            return Outcome::Done;
        }
        if (rc == CURLE_OK && code >= 400) throw Error(ErrorCode::Io, httpError(code, m_request.url));
        if (rc == CURLE_OK) return Outcome::Done;
        m_lastError = errors[0] ? std::string(errors) : curl_easy_strerror(rc);
        if (isDroppedConnection(rc)) return Outcome::Dropped;
        throw Error(ErrorCode::Io, "downloading " + m_request.url + " failed: " + m_lastError);
    }

    uint64_t received() const { return m_written > m_offset ? m_written - m_offset : 0; }
    uint64_t written() const { return m_written; }
    const std::string& lastError() const { return m_lastError; }

private:
    bool interrupted() const { return m_request.interrupted && m_request.interrupted->load(); }

    static size_t headerThunk(char* data, size_t size, size_t count, void* self)
    {
        static_cast<Transfer*>(self)->onHeader(std::string_view(data, size * count));
        return size * count;
    }
    static size_t bodyThunk(char* data, size_t size, size_t count, void* self)
    {
        return static_cast<Transfer*>(self)->onBody(data, size * count);
    }
    static int progressThunk(void* self, curl_off_t, curl_off_t, curl_off_t, curl_off_t)
    {
        return static_cast<Transfer*>(self)->onProgress();
    }

    void onHeader(std::string_view line)
    {
        if (line.rfind("HTTP/", 0) == 0) { // a new response (after a redirect): its own headers
            m_contentRange.clear();
            m_etag.clear();
            return;
        }
        const size_t colon = line.find(':');
        if (colon == std::string_view::npos) return;
        const std::string name = lowerCase(std::string(line.substr(0, colon)));
        std::string value(line.substr(colon + 1));
        value.erase(0, value.find_first_not_of(" \t"));
        value.erase(value.find_last_not_of(" \t\r\n") + 1);
        if (name == "content-range") m_contentRange = value;
        else if (name == "etag") m_etag = value;
        // Hugging Face names the LFS object on the redirect to its CDN.
        else if (name == "x-linked-etag") m_linkedEtag = value;
    }

    size_t onBody(const char* data, size_t n)
    {
        try {
            if (!m_checked) {
                m_checked = true;
                long code = 0;
                curl_easy_getinfo(m_curl, CURLINFO_RESPONSE_CODE, &code);
                m_skipBody = code >= 300; // an error page: reported after the transfer
                if (!m_skipBody) startBody(code);
            }
            if (m_skipBody) return n;
            for (size_t done = 0; done < n;) {
                const ssize_t w = ::write(m_fd, data + done, n - done);
                if (w < 0 && errno == EINTR) continue;
                if (w < 0) {
                    const std::string part = pathToUtf8(m_request.partPath);
                    m_written += done;
                    if (errno == ENOSPC || errno == EDQUOT)
                        throw Error(ErrorCode::Io, "the disk is full: " + std::to_string(m_written) + " bytes kept in " + part +
                                                       "; free some space and start the download again to resume");
                    throw Error(ErrorCode::Io, "cannot write " + part + ": " + std::strerror(errno));
                }
                done += size_t(w);
            }
            m_written += n;
            return n;
        } catch (...) {
            m_failure = std::current_exception();
            return 0; // aborts the transfer
        }
    }

    // The first body bytes of a 2xx response: where they start, the file's size, the .part.
    void startBody(long code)
    {
        std::optional<uint64_t> total;
        if (code == 206) {
            unsigned long long first = 0, last = 0, whole = 0;
            const int read = std::sscanf(m_contentRange.c_str(), "bytes %llu-%llu/%llu", &first, &last, &whole);
            if (read < 2 || first != m_offset)
                throw Error(ErrorCode::Io, "the server sent a different range ('" + m_contentRange + "') than asked (from byte " +
                                               std::to_string(m_offset) + ")");
            if (read == 3) total = whole;
        } else {
            if (m_offset > 0) {
                m_request.note("the server ignores Range requests: downloading from the beginning again (" +
                               std::to_string(m_offset) + " bytes discarded)");
                m_offset = m_written = 0;
                m_truncate = true;
            }
            curl_off_t length = -1;
            curl_easy_getinfo(m_curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
            if (length >= 0) total = uint64_t(length);
        }
        if (total) {
            m_result.serverSize = total;
            if (m_request.checkSpace && *total > m_offset) m_request.checkSpace(*total - m_offset);
        }
        if (auto sha = sha256FromEtag(m_linkedEtag)) m_result.serverSha256 = sha;
        else if (auto etag = sha256FromEtag(m_etag)) m_result.serverSha256 = etag;
        m_fd = ::open(m_request.partPath.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (m_fd < 0) throw Error(ErrorCode::Io, "cannot create " + pathToUtf8(m_request.partPath) + ": " + std::strerror(errno));
        if (m_truncate && ::ftruncate(m_fd, 0) != 0)
            throw Error(ErrorCode::Io, "cannot truncate " + pathToUtf8(m_request.partPath) + ": " + std::strerror(errno));
    }

    int onProgress()
    {
        if (interrupted()) return 1;
        if (m_request.progress && m_checked && !m_skipBody) {
            const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
            m_request.progress(m_written, m_result.serverSize, seconds > 0 ? double(received()) / seconds : 0.0);
        }
        return 0;
    }

    const DownloadRequest& m_request;
    CURL* m_curl;
    DownloadResult& m_result;
    uint64_t m_offset;  // bytes in the .part when the request was sent
    uint64_t m_written; // bytes in the .part now
    int m_fd = -1;
    bool m_checked = false, m_skipBody = false, m_truncate = false;
    std::string m_contentRange, m_etag, m_linkedEtag, m_lastError;
    std::exception_ptr m_failure;
    std::chrono::steady_clock::time_point m_start;
};

} // namespace

DownloadResult downloadToPart(const DownloadRequest& request)
{
    // Once per process, before any thread uses libcurl (curl_global_init is not thread-safe).
    static std::once_flag curlStarted;
    std::call_once(curlStarted, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), &curl_easy_cleanup);
    if (!curl) throw Error(ErrorCode::OutOfMemory, "libcurl could not start");
    CURL* c = curl.get();
    curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, kMaxRedirects);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_USERAGENT, "rwkv-desktop/" RWKV_VERSION);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, kStallSeconds);
    DownloadResult result;
    int failures = 0;
    for (;;) {
        Transfer transfer(request, c, result);
        if (transfer.run() == Transfer::Outcome::Done) return result;
        if (transfer.received() > 0) failures = 0;
        const std::string kept = std::to_string(transfer.written()) + " bytes kept in " + pathToUtf8(request.partPath);
        if (++failures > kMaxRetries)
            throw Error(ErrorCode::Io, "the connection kept dropping (" + transfer.lastError() + "): " + kept +
                                           "; start the download again to resume");
        const int waitSeconds = 1 << (failures - 1);
        request.note("connection dropped (" + transfer.lastError() + "), " + kept + "; resuming in " + std::to_string(waitSeconds) + " s");
        for (int i = 0; i < waitSeconds * 10; ++i) {
            if (request.interrupted && request.interrupted->load())
                throw Error(ErrorCode::Cancelled, "interrupted: " + kept + "; start the download again to resume");
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    }
}

} // namespace rwkv
