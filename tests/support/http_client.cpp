#include "support/http_client.h"

#include <cerrno>
#include <cstring>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

namespace rwkv::test {

namespace {

// The body of a "Transfer-Encoding: chunked" reply; what is left unparsed at a cut is dropped.
std::string dechunk(std::string_view raw)
{
    std::string out;
    for (size_t at = 0;;) {
        const size_t lineEnd = raw.find("\r\n", at);
        if (lineEnd == std::string_view::npos) break;
        const size_t size = std::strtoul(std::string(raw.substr(at, lineEnd - at)).c_str(), nullptr, 16);
        if (size == 0 || lineEnd + 2 + size > raw.size()) break;
        out.append(raw.substr(lineEnd + 2, size));
        at = lineEnd + 2 + size + 2;
    }
    return out;
}

} // namespace

HttpConnection::HttpConnection(int port, int timeoutMs)
{
    m_fd = socket(AF_INET, SOCK_STREAM, 0);
    if (m_fd < 0) {
        m_error = std::strerror(errno);
        return;
    }
    timeval timeout{timeoutMs / 1000, (timeoutMs % 1000) * 1000};
    setsockopt(m_fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(m_fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(uint16_t(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        m_error = std::string("connect: ") + std::strerror(errno);
        close();
    }
}

HttpConnection::~HttpConnection() { close(); }

void HttpConnection::close()
{
    if (m_fd >= 0) ::close(m_fd);
    m_fd = -1;
}

bool HttpConnection::post(std::string_view path, std::string_view json)
{
    if (m_fd < 0) return false;
    std::string request = "POST " + std::string(path) + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                          "Connection: close\r\nContent-Length: " + std::to_string(json.size()) + "\r\n\r\n";
    request += json;
    for (size_t sent = 0; sent < request.size();) {
        const ssize_t n = ::send(m_fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) {
            m_error = std::string("send: ") + std::strerror(errno);
            return false;
        }
        sent += size_t(n);
    }
    return true;
}

bool HttpConnection::readMore()
{
    if (m_fd < 0) return false;
    char buffer[4096];
    const ssize_t n = ::recv(m_fd, buffer, sizeof buffer, 0);
    if (n <= 0) {
        if (n < 0) m_error = std::string("recv: ") + std::strerror(errno);
        close();
        return false;
    }
    m_raw.append(buffer, size_t(n));
    return true;
}

bool HttpConnection::readUntil(std::string_view needle, int count)
{
    for (;;) {
        int found = 0;
        for (size_t at = m_raw.find(needle); at != std::string::npos; at = m_raw.find(needle, at + needle.size()))
            ++found;
        if (found >= count) return true;
        if (!readMore()) return false;
    }
}

HttpReply HttpConnection::finish()
{
    while (readMore()) {
    }
    HttpReply reply;
    const size_t headerEnd = m_raw.find("\r\n\r\n");
    if (m_raw.rfind("HTTP/1.1 ", 0) != 0 || headerEnd == std::string::npos) {
        reply.error = m_error.empty() ? "no reply (" + std::to_string(m_raw.size()) + " bytes)" : m_error;
        return reply;
    }
    reply.status = std::atoi(m_raw.c_str() + 9);
    const std::string headers = m_raw.substr(0, headerEnd);
    const std::string_view body = std::string_view(m_raw).substr(headerEnd + 4);
    reply.body = headers.find("Transfer-Encoding: chunked") != std::string::npos ? dechunk(body) : std::string(body);
    return reply;
}

HttpReply postJson(int port, std::string_view path, const nlohmann::json& body)
{
    HttpConnection c(port);
    c.post(path, body.dump());
    return c.finish();
}

std::vector<nlohmann::json> sseEvents(std::string_view body)
{
    std::vector<nlohmann::json> events;
    for (size_t at = 0; (at = body.find("data: ", at)) != std::string_view::npos;) {
        const size_t end = body.find("\n\n", at);
        const std::string_view data = body.substr(at + 6, end == std::string_view::npos ? std::string_view::npos : end - at - 6);
        if (data != "[DONE]") events.push_back(nlohmann::json::parse(data, nullptr, false));
        if (end == std::string_view::npos) break;
        at = end + 2;
    }
    return events;
}

} // namespace rwkv::test
