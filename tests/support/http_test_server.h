#pragma once
// A real HTTP server on loopback (cpp-httplib on its own thread) serving one file as a model
// download does, for the download tests (test_pull, test_app_downloads): GET /model.pth with
// Range support, dropped or stalled connections, no Range support, no Content-Length, an ETag;
// /missing.pth (404), /hf/model.pth (a redirect carrying X-Linked-ETag, as Hugging Face does)
// and /loop.pth (a redirect loop). It records the Range header of every request.
#include <QString>

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
class Request;
class Response;
} // namespace httplib

namespace rwkv::test {

// How the server answers GET /model.pth.
struct ServerBehaviour {
    size_t dropAt = 0;       // the first response closes the connection after this many bytes (0: never)
    bool stallFirst = false; // ...or waits there until the client goes away (Ctrl+C, Cancel)
    bool honourRange = true;
    bool chunked = false; // no Content-Length
    std::string etag;
    std::string linkedEtag; // on the redirect of /hf/model.pth
};

class HttpTestServer {
public:
    explicit HttpTestServer(std::string content);
    ~HttpTestServer();
    HttpTestServer(const HttpTestServer&) = delete;
    HttpTestServer& operator=(const HttpTestServer&) = delete;

    // "http://127.0.0.1:PORT/<path>".
    QString url(const char* path) const;
    // Applies to the requests that come after it.
    void set(const ServerBehaviour& b);
    // The Range header of each request for /model.pth ("" when none), in order.
    std::vector<std::string> ranges();

private:
    void serveModel(const httplib::Request& req, httplib::Response& res);

    std::string m_content;
    std::unique_ptr<httplib::Server> m_server;
    int m_port = 0;
    std::thread m_thread;
    std::mutex m_mutex; // m_behaviour, m_ranges
    ServerBehaviour m_behaviour;
    std::vector<std::string> m_ranges;
    std::atomic<bool> m_stop{false};
};

} // namespace rwkv::test
