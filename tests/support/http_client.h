#pragma once
// A small HTTP/1.1 client over a plain loopback socket, for the server tests that need control
// no library client gives: many connections opened at the same instant, a client that reads
// part of a streamed reply and hangs up, a request sent and then abandoned. One request per
// connection, "Connection: close"; the reply is read until the server closes.
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace rwkv::test {

struct HttpReply {
    int status = 0;     // 0: no reply (connection refused, closed early or timed out)
    std::string body;   // de-chunked
    std::string error;  // what went wrong when status is 0
};

class HttpConnection {
public:
    // Connects to 127.0.0.1:port; every read waits at most timeoutMs.
    explicit HttpConnection(int port, int timeoutMs = 120000);
    ~HttpConnection();
    HttpConnection(const HttpConnection&) = delete;
    HttpConnection& operator=(const HttpConnection&) = delete;

    bool connected() const { return m_fd >= 0; }
    // Sends a POST with a JSON body. False if the connection is gone.
    bool post(std::string_view path, std::string_view json);
    // Reads until `needle` has appeared `count` times in the raw reply; false at its end first.
    bool readUntil(std::string_view needle, int count);
    // Reads to the end and parses status and body.
    HttpReply finish();
    // Hangs up now, without reading the rest.
    void close();

private:
    // Appends what arrives next; false at the end (or a timeout or error).
    bool readMore();

    int m_fd = -1;
    std::string m_raw;     // everything read so far
    std::string m_error;
};

// POST `json` to path on 127.0.0.1:port and reads the whole reply.
HttpReply postJson(int port, std::string_view path, const nlohmann::json& body);

// The JSON objects of the "data: {...}" server-sent events in a body ("[DONE]" left out), or a
// discarded value where one does not parse.
std::vector<nlohmann::json> sseEvents(std::string_view body);

} // namespace rwkv::test
