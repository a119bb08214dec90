#pragma once
// The OpenAI-compatible HTTP API over a CompletionEngine (cpp-httplib): GET /v1/models,
// POST /v1/chat/completions and /v1/completions, streamed as server-sent events or whole.
// Loopback only unless an API key is set; with a key every request must carry
// "Authorization: Bearer KEY". Bad requests get OpenAI-style 4xx bodies; the server stays up.
// Every response closes its connection, so stopping never waits for an idle keep-alive client.
#include "server/api_request.h"
#include "server/completion_engine.h"

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace rwkv::server {

struct ServerOptions {
    std::string host = "127.0.0.1";
    int port = 8000;                       // 0 = any free port
    std::string apiKey;                    // empty = none (then loopback hosts only)
    size_t maxBodyBytes = 8 * 1024 * 1024; // larger request bodies get 413
    int threads = 16;                      // connections served at once
    std::string corsOrigin;                // empty = no CORS; else browsers on this origin ("*" = any) may call
    // One line per completion (id, tokens, finish, time; "client left" for an abandoned
    // stream), from any thread; empty = silent.
    std::function<void(std::string_view)> log;
};

// True for 127.0.0.0/8, ::1 and "localhost".
bool isLoopbackHost(const std::string& host);

class ApiServer {
public:
    // Throws Error(InvalidArgument) for a non-loopback host without an API key.
    ApiServer(CompletionEngine& engine, RequestLimits limits, ServerOptions options);
    ~ApiServer();
    ApiServer(const ApiServer&) = delete;
    ApiServer& operator=(const ApiServer&) = delete;

    // Binds the socket; returns the port. Throws Error(Io) when the address cannot be bound.
    int bind();
    // Serves on the bound socket until stop() (blocking; call on its own thread).
    void serve();
    // Thread-safe, also before serve() has begun (then serve() returns at once). Generations in
    // progress end at their next token; blocks until serve() has returned.
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace rwkv::server
