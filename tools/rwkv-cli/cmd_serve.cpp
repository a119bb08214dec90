// rwkv-cli serve: the OpenAI-compatible local API (server/) on the loaded model, on
// loopback unless an API key is given; --db keeps prefix states across restarts.
#include "core/error.h"
#include "tools/rwkv-cli/commands.h"

#ifdef RWKV_HAVE_SERVER
#include "server/api_server.h"
#include "tools/rwkv-cli/model_setup.h"
#include "tools/rwkv-cli/store_setup.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <pthread.h>
#include <thread>
#endif

namespace rwkv::cli {

#ifndef RWKV_HAVE_SERVER

int runServe(Args&)
{
    throw Error(ErrorCode::Unsupported, "this build has no API server (built without cpp-httplib or with RWKV_BUILD_SERVER=OFF)");
}

#else

int runServe(Args& args)
{
    // SIGINT/SIGTERM are blocked in every thread (so first, before the device starts its
    // threads) and taken by one waiting thread, which stops the server: stopping is not
    // async-signal-safe, so it cannot run in a signal handler.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
    server::ServerOptions options;
    options.host = args.value("host").value_or(options.host);
    options.port = args.intValue("port", options.port);
    options.apiKey = args.value("api-key").value_or("");
    options.corsOrigin = args.value("cors").value_or("");
    const bool quiet = args.flag("quiet");
    if (!quiet) options.log = [](std::string_view line) { std::fprintf(stderr, "%.*s\n", int(line.size()), line.data()); };
    const auto db = args.value("db");
    const int cacheMb = args.intValue("cache-mb", 512);
    if (options.port < 0 || options.port > 65535) throw Error(ErrorCode::InvalidArgument, "--port must be 0…65535");
    if (cacheMb < 0) throw Error(ErrorCode::InvalidArgument, "--cache-mb must be ≥ 0");
    LoadedModel m = loadModel(args);
    args.finish();
    const Tokenizer& tokenizer = requireTokenizer(m);

    std::unique_ptr<Store> store;
    if (db) {
        store = openStore(db);
        store->snapshots().registerModel(m.model->fingerprint(), m.path, m.model->config());
    }
    FairMutex modelLock;
    server::PrefixCache cache(*m.model, int64_t(cacheMb) << 20, store.get());
    server::CompletionEngine engine(*m.model, tokenizer, modelLock, cache);
    server::RequestLimits limits;
    limits.modelId = m.path.stem().string();
    server::ApiServer api(engine, limits, options);

    const int port = api.bind();
    std::printf("rwkv-cli: serving %s at http://%s:%d/v1 (Ctrl-C stops)\n", limits.modelId.c_str(), options.host.c_str(), port);
    std::fflush(stdout);
    std::atomic<bool> served{false};
    std::thread waiter([&] {
        const timespec tick{0, 200'000'000};
        while (!served)
            if (sigtimedwait(&signals, nullptr, &tick) > 0) return api.stop(); // also if serve() has not begun
    });
    api.serve();
    served = true;
    waiter.join();
    return 0;
}

#endif

} // namespace rwkv::cli
