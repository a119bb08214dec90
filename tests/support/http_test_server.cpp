#include "support/http_test_server.h"

#include <httplib.h>

#include <algorithm>
#include <chrono>

namespace rwkv::test {

HttpTestServer::HttpTestServer(std::string content) : m_content(std::move(content)), m_server(std::make_unique<httplib::Server>())
{
    m_server->Get("/model.pth", [this](const httplib::Request& req, httplib::Response& res) { serveModel(req, res); });
    m_server->Get("/missing.pth", [](const httplib::Request&, httplib::Response& res) { res.status = 404; });
    // Hugging Face's way: the LFS object's sha256 on the redirect to the CDN that serves the file.
    m_server->Get("/hf/model.pth", [this](const httplib::Request&, httplib::Response& res) {
        std::lock_guard lock(m_mutex);
        res.set_header("X-Linked-ETag", m_behaviour.linkedEtag);
        res.set_redirect("/model.pth");
    });
    m_server->Get("/loop.pth", [](const httplib::Request&, httplib::Response& res) { res.set_redirect("/loop.pth"); });
    m_port = m_server->bind_to_any_port("127.0.0.1");
    m_thread = std::thread([this] { m_server->listen_after_bind(); });
}

HttpTestServer::~HttpTestServer()
{
    m_stop = true;
    m_server->stop();
    m_thread.join();
}

QString HttpTestServer::url(const char* path) const { return QString("http://127.0.0.1:%1/%2").arg(m_port).arg(path); }

void HttpTestServer::set(const ServerBehaviour& b)
{
    std::lock_guard lock(m_mutex);
    m_behaviour = b;
}

std::vector<std::string> HttpTestServer::ranges()
{
    std::lock_guard lock(m_mutex);
    return m_ranges;
}

void HttpTestServer::serveModel(const httplib::Request& req, httplib::Response& res)
{
    size_t n;
    ServerBehaviour behaviour;
    {
        std::lock_guard lock(m_mutex);
        m_ranges.push_back(req.get_header_value("Range"));
        n = m_ranges.size();
        behaviour = m_behaviour;
    }
    // httplib answers a Range request by itself; a server without Range support sends it all.
    if (!behaviour.honourRange) const_cast<httplib::Request&>(req).ranges.clear();
    // Nothing at or after the end: 416, as real servers answer (httplib would send an empty 206).
    if (behaviour.honourRange && !req.ranges.empty() && req.ranges[0].first >= ssize_t(m_content.size())) {
        const_cast<httplib::Request&>(req).ranges.clear();
        res.status = 416;
        res.set_header("Content-Range", "bytes */" + std::to_string(m_content.size()));
        return;
    }
    if (!behaviour.etag.empty()) res.set_header("ETag", behaviour.etag);
    if (behaviour.chunked) {
        res.set_chunked_content_provider("application/octet-stream", [this](size_t offset, httplib::DataSink& sink) {
            if (offset >= m_content.size()) sink.done();
            else sink.write(m_content.data() + offset, std::min<size_t>(65536, m_content.size() - offset));
            return true;
        });
        return;
    }
    const size_t cut = n == 1 ? behaviour.dropAt : 0;
    const bool stall = n == 1 && behaviour.stallFirst;
    res.set_content_provider(m_content.size(), "application/octet-stream",
                             [this, cut, stall](size_t offset, size_t length, httplib::DataSink& sink) {
                                 size_t end = offset + std::min<size_t>(length, 65536);
                                 if (cut && offset >= cut) {
                                     // Wait for the client to go away (Ctrl+C, Cancel), or just drop.
                                     for (int i = 0; stall && i < 300 && !m_stop && sink.is_writable(); ++i)
                                         std::this_thread::sleep_for(std::chrono::milliseconds(100));
                                     return false;
                                 }
                                 if (cut) end = std::min(end, cut);
                                 return sink.write(m_content.data() + offset, end - offset);
                             });
}

} // namespace rwkv::test
