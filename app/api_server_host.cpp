#include "app/api_server_host.h"

#include "core/error.h"

#ifdef RWKV_HAVE_SERVER
#include "server/api_server.h"
#include "server/batch_replies.h"

#include <thread>

namespace {

// Memory for the states of recent prompt prefixes (a 0.1B model's state is 2.4 MB).
constexpr int64_t kPrefixCacheBytes = int64_t(256) << 20;

} // namespace

struct ApiServerHost::Parts {
    rwkv::server::PrefixCache cache;
    rwkv::server::CompletionEngine engine;
    rwkv::server::ApiServer server;
    int port = 0;
    std::thread thread;

    Parts(rwkv::Model& model, const rwkv::Tokenizer& tokenizer, rwkv::FairMutex& modelLock, rwkv::server::RequestLimits limits,
          rwkv::server::ServerOptions options)
        : cache(model, kPrefixCacheBytes, nullptr), engine(model, tokenizer, modelLock, cache),
          server(engine, std::move(limits), std::move(options))
    {
    }
};

ApiServerHost::ApiServerHost(rwkv::Model& model, const rwkv::Tokenizer& tokenizer, rwkv::FairMutex& modelLock,
                             const std::string& modelId, int port)
{
    rwkv::server::RequestLimits limits;
    limits.modelId = modelId;
    rwkv::server::ServerOptions options;
    options.port = port;
    m_parts = std::make_unique<Parts>(model, tokenizer, modelLock, limits, options);
    m_parts->port = m_parts->server.bind();
    m_parts->thread = std::thread([parts = m_parts.get()] { parts->server.serve(); });
}

ApiServerHost::~ApiServerHost()
{
    m_parts->server.stop();
    m_parts->thread.join();
}

std::string ApiServerHost::url() const { return "http://127.0.0.1:" + std::to_string(m_parts->port) + "/v1"; }

rwkv::ReplyDecoder ApiServerHost::replyDecoder() { return rwkv::server::batchReplyDecoder(m_parts->engine.scheduler()); }

#else

struct ApiServerHost::Parts {};

ApiServerHost::ApiServerHost(rwkv::Model&, const rwkv::Tokenizer&, rwkv::FairMutex&, const std::string&, int)
{
    throw rwkv::Error(rwkv::ErrorCode::Unsupported, "this build has no API server (built without cpp-httplib or with RWKV_BUILD_SERVER=OFF)");
}

ApiServerHost::~ApiServerHost() = default;

std::string ApiServerHost::url() const { return {}; }

rwkv::ReplyDecoder ApiServerHost::replyDecoder() { return {}; }

#endif
