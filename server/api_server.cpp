#include "server/api_server.h"

#include "core/error.h"
#include "server/api_responses.h"
#include "server/client_watch.h"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <stop_token>
#include <thread>

#include <sys/socket.h>

namespace rwkv::server {

namespace {

constexpr const char* kJson = "application/json";

int64_t unixSeconds()
{
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void sendError(httplib::Response& res, const ApiError& error)
{
    res.status = error.status;
    res.set_content(errorBody(error), kJson);
}

// An engine failure as the client sees it: its own mistake (400) or ours (500).
ApiError engineError(const Error& e)
{
    if (e.code() == ErrorCode::InvalidArgument) return {400, e.what(), "invalid_request_error", {}, {}};
    return {500, e.what(), "server_error", {}, errorCodeName(e.code())};
}

bool anyCancelled(const Completion& c)
{
    return std::ranges::any_of(c.choices, [](const Choice& choice) { return choice.reason == StopReason::Cancelled; });
}

const char* reasonName(StopReason reason)
{
    return reason == StopReason::MaxTokens ? "length" : reason == StopReason::Cancelled ? "cancelled" : "stop";
}

// httplib 0.11 listens with a backlog of 5 (CPPHTTPLIB_LISTEN_BACKLOG, compiled into the shared
// library). When more clients connect at once, Linux drops the last ACK of the handshakes that
// overflow the accept queue: those clients think they are connected and send their request,
// which arrives only after the handshake is retried, sometimes later than the one second httplib
// waits for a new connection's first request (keep_alive_timeout below), and the connection was
// closed without a reply. Listening again on the bound socket sets the backlog (Linux and the
// BSDs take a second listen() as a new backlog).
class HttpServer : public httplib::Server {
public:
    bool widenBacklog() { return ::listen(svr_sock_, SOMAXCONN) == 0; }
};

} // namespace

bool isLoopbackHost(const std::string& host)
{
    return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

struct ApiServer::Impl {
    CompletionEngine& engine;
    RequestLimits limits;
    ServerOptions options;
    HttpServer http;
    std::stop_source stopping;         // ends every generation in progress
    std::atomic<bool> stopRequested{false};
    std::atomic<bool> serving{false};  // inside serve()
    std::atomic<uint64_t> nextId{1};
    const int64_t started = unixSeconds();

    Impl(CompletionEngine& e, RequestLimits l, ServerOptions o) : engine(e), limits(std::move(l)), options(std::move(o)) {}

    void routes();
    bool authorized(const httplib::Request& req, httplib::Response& res) const;
    void complete(Endpoint endpoint, const httplib::Request& req, httplib::Response& res);
    void stream(const CompletionRequest& request, const ResponseMeta& meta, const ClientWatch& client, httplib::Response& res);
    void logCompletion(const ResponseMeta& meta, const Completion& c, std::chrono::steady_clock::time_point start,
                       bool clientLeft) const;
    ResponseMeta metaFor(const CompletionRequest& request)
    {
        char id[40];
        std::snprintf(id, sizeof id, "%s-%llx%06llx", request.endpoint == Endpoint::Chat ? "chatcmpl" : "cmpl",
                      static_cast<unsigned long long>(started), static_cast<unsigned long long>(nextId++));
        return {request.endpoint, id, unixSeconds(), limits.modelId};
    }
};

void ApiServer::Impl::logCompletion(const ResponseMeta& meta, const Completion& c, std::chrono::steady_clock::time_point start,
                                    bool clientLeft) const
{
    if (!options.log) return;
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
    std::string line = meta.id + ": prompt " + std::to_string(c.usage.promptTokens) + " tokens (" + std::to_string(c.usage.cachedTokens)
                       + " cached), ";
    if (clientLeft) {
        line += "client left after " + std::to_string(c.usage.completionTokens) + " tokens";
    } else {
        line += std::to_string(c.usage.completionTokens) + " generated, ";
        if (c.choices.size() > 1) line += std::to_string(c.choices.size()) + " choices: ";
        for (size_t i = 0; i < c.choices.size(); ++i) {
            if (i) line += '/';
            line += reasonName(c.choices[i].reason);
        }
    }
    options.log(line + ", " + std::to_string(ms) + " ms");
}

bool ApiServer::Impl::authorized(const httplib::Request& req, httplib::Response& res) const
{
    if (options.apiKey.empty() || req.get_header_value("Authorization") == "Bearer " + options.apiKey) return true;
    sendError(res, {401, "Incorrect or missing API key: send the header 'Authorization: Bearer KEY'",
                    "invalid_request_error", {}, "invalid_api_key"});
    return false;
}

void ApiServer::Impl::routes()
{
    http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
        // A browser's CORS preflight carries no credentials: it is answered without them.
        if (!options.corsOrigin.empty() && req.method == "OPTIONS") return httplib::Server::HandlerResponse::Unhandled;
        return authorized(req, res) ? httplib::Server::HandlerResponse::Unhandled : httplib::Server::HandlerResponse::Handled;
    });
    if (!options.corsOrigin.empty()) {
        http.set_default_headers({{"Access-Control-Allow-Origin", options.corsOrigin}});
        http.Options(".*", [](const httplib::Request&, httplib::Response& res) {
            res.status = 204;
            res.set_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
            res.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type");
            res.set_header("Access-Control-Max-Age", "86400");
        });
    }
    http.Get("/v1/models", [this](const httplib::Request&, httplib::Response& res) {
        res.set_content(modelsBody(limits.modelId, started), kJson);
    });
    http.Get("/v1/models/(.+)", [this](const httplib::Request& req, httplib::Response& res) {
        if (req.matches[1] == limits.modelId)
            res.set_content(modelBody(limits.modelId, started), kJson);
        else
            sendError(res, {404, "The model '" + req.matches[1].str() + "' does not exist", "invalid_request_error", "model",
                            "model_not_found"});
    });
    http.Post("/v1/chat/completions",
              [this](const httplib::Request& req, httplib::Response& res) { complete(Endpoint::Chat, req, res); });
    http.Post("/v1/completions",
              [this](const httplib::Request& req, httplib::Response& res) { complete(Endpoint::Completion, req, res); });
    // Statuses httplib sets itself (unknown route, body too large, bad request line) get an
    // OpenAI-style body too; bodies set by the handlers above are kept.
    http.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return;
        if (res.status == 404)
            sendError(res, {404, "Unknown request URL: " + req.method + " " + req.path, "invalid_request_error", {}, "unknown_url"});
        else if (res.status == 413)
            sendError(res, {413, "The request body is larger than " + std::to_string(options.maxBodyBytes) + " bytes",
                            "invalid_request_error", {}, "request_too_large"});
        else
            sendError(res, {res.status, "The request could not be served (HTTP " + std::to_string(res.status) + ")",
                            "invalid_request_error", {}, {}});
    });
    http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        try {
            std::rethrow_exception(ep);
        } catch (const Error& e) {
            sendError(res, engineError(e));
        } catch (const std::exception& e) {
            sendError(res, {500, e.what(), "server_error", {}, {}});
        }
    });
}

void ApiServer::Impl::complete(Endpoint endpoint, const httplib::Request& req, httplib::Response& res)
{
    auto parsed = parseRequest(endpoint, req.body, limits);
    if (const ApiError* error = std::get_if<ApiError>(&parsed)) return sendError(res, *error);
    const CompletionRequest request = std::move(std::get<CompletionRequest>(parsed));
    const ResponseMeta meta = metaFor(request);
    const ClientWatch client(req.local_addr, req.local_port, req.remote_addr, req.remote_port);
    if (request.stream) return stream(request, meta, client, res);
    std::stop_source cancel;
    const std::stop_callback onStop(stopping.get_token(), [&] { cancel.request_stop(); });
    const auto start = std::chrono::steady_clock::now();
    const Completion completion = engine.run(request, {{}, {}, [&] { return client.gone(); }}, cancel.get_token());
    const bool cancelled = anyCancelled(completion);
    logCompletion(meta, completion, start, cancelled && !stopping.stop_requested());
    if (cancelled) // shutting down, or the client left (then nobody reads this)
        return sendError(res, {503, stopping.stop_requested() ? "The server is shutting down" : "The request was cancelled",
                               "server_error", {}, {}});
    res.set_content(completionBody(meta, completion), kJson);
}

void ApiServer::Impl::stream(const CompletionRequest& request, const ResponseMeta& meta, const ClientWatch& client,
                             httplib::Response& res)
{
    res.set_header("Cache-Control", "no-cache");
    res.set_chunked_content_provider("text/event-stream", [this, request, meta, client](size_t, httplib::DataSink& sink) {
        // Every event is written at once; a failed write means the client left, which stops
        // the generation at the next step.
        std::stop_source cancel;
        const std::stop_callback onStop(stopping.get_token(), [&] { cancel.request_stop(); });
        auto send = [&](std::string_view event) {
            if (!cancel.stop_requested() && !sink.write(event.data(), event.size())) cancel.request_stop();
        };
        for (int i = 0; i < request.choices; ++i) send(firstChunkEvent(meta, i));
        const auto start = std::chrono::steady_clock::now();
        try {
            const ReplySink replies{[&](int i, std::string_view text) { send(textChunkEvent(meta, i, text)); },
                                    [&](int i, StopReason reason) { send(finishChunkEvent(meta, i, reason)); },
                                    [&] { return client.gone(); }};
            const Completion c = engine.run(request, replies, cancel.get_token());
            const bool left = anyCancelled(c) || cancel.stop_requested();
            logCompletion(meta, c, start, left && !stopping.stop_requested());
            if (left) return false;
            if (request.includeUsage) send(usageChunkEvent(meta, c.usage));
        } catch (const Error& e) {
            send(errorEvent(engineError(e)));
        }
        send(kDoneEvent);
        sink.done();
        return true;
    });
}

ApiServer::ApiServer(CompletionEngine& engine, RequestLimits limits, ServerOptions options)
{
    if (options.apiKey.empty() && !isLoopbackHost(options.host))
        throw Error(ErrorCode::InvalidArgument, "serving on " + options.host
                                                    + " (not a loopback address) needs an API key (--api-key KEY)");
    limits.maxChoices = std::min(limits.maxChoices, engine.maxBatch()); // all of a request's choices run at once
    m_impl = std::make_unique<Impl>(engine, std::move(limits), std::move(options));
    const int threads = m_impl->options.threads;
    m_impl->http.new_task_queue = [threads] { return new httplib::ThreadPool(size_t(threads)); };
    m_impl->http.set_payload_max_length(m_impl->options.maxBodyBytes);
    // httplib waits up to the keep-alive timeout for a connection's next request, and stop()
    // joins that wait: with one request per connection ("Connection: close") and a short wait
    // for the first, a SIGTERM ends the server at once. A loopback connect costs microseconds.
    m_impl->http.set_keep_alive_max_count(1);
    m_impl->http.set_keep_alive_timeout(1);
    // httplib's default adds SO_REUSEPORT, which lets a second server bind the same port and
    // silently take half the connections; SO_REUSEADDR alone still allows a quick restart.
    m_impl->http.set_socket_options([](socket_t sock) {
        const int yes = 1;
        setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    m_impl->routes();
}

ApiServer::~ApiServer() { stop(); }

int ApiServer::bind()
{
    const ServerOptions& o = m_impl->options;
    const int port = o.port == 0 ? m_impl->http.bind_to_any_port(o.host) : (m_impl->http.bind_to_port(o.host, o.port) ? o.port : -1);
    if (port <= 0)
        throw Error(ErrorCode::Io, "cannot listen on " + o.host + ":" + std::to_string(o.port)
                                       + " (is another program using the port, or is the address not this machine's?)");
    if (!m_impl->http.widenBacklog()) throw Error(ErrorCode::Io, "cannot set the listen backlog of " + o.host + ":" + std::to_string(port));
    return port;
}

void ApiServer::serve()
{
    m_impl->serving = true;
    if (!m_impl->stopRequested) m_impl->http.listen_after_bind();
    m_impl->serving = false;
}

void ApiServer::stop()
{
    m_impl->stopRequested = true;
    m_impl->stopping.request_stop();
    // httplib ignores a stop that comes before listening has begun, and asserts on a second
    // one: stop it once, as soon as it runs, and wait until serve() has returned.
    bool stopped = false;
    while (m_impl->serving) {
        if (!stopped && m_impl->http.is_running()) {
            m_impl->http.stop();
            stopped = true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
}

} // namespace rwkv::server
