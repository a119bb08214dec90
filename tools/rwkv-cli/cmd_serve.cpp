// rwkv-cli serve: the OpenAI-compatible local API (server/) on the loaded model, on
// loopback unless an API key is given; --db keeps prefix states across restarts.
#include "core/error.h"
#include "tools/rwkv-cli/commands.h"

#ifdef RWKV_HAVE_SERVER
#include "server/api_server.h"
#include "tools/rwkv-cli/model_setup.h"
#include "tools/rwkv-cli/store_setup.h"

#include <algorithm>
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
    const bool batchGiven = args.value("max-batch").has_value();
    const int maxBatch = args.intValue("max-batch", 0);
    if (options.port < 0 || options.port > 65535) throw Error(ErrorCode::InvalidArgument, "--port must be 0…65535");
    if (cacheMb < 0) throw Error(ErrorCode::InvalidArgument, "--cache-mb must be ≥ 0");
    if (batchGiven && (maxBatch < 1 || maxBatch > kMaxBatch))
        throw Error(ErrorCode::InvalidArgument, "--max-batch must be 1…" + std::to_string(kMaxBatch) + ", not " + std::to_string(maxBatch));
    LoadedModel m = loadModel(args);
    args.finish();
    const Tokenizer& tokenizer = requireTokenizer(m);
    // A GPU reads its weights so fast that a step of 32 costs about what a step of one does;
    // on a CPU the batch's arithmetic catches up with the weight reads sooner.
    const bool gpuOnly = std::ranges::none_of(m.strategy.stages, [](const StrategyStage& s) { return s.device == "cpu"; });
    const int batch = batchGiven ? maxBatch : gpuOnly ? 32 : 8;
    // A thread per reply in the batch, and some over for requests waiting or answered at once.
    options.threads = batch + 16;

    std::unique_ptr<Store> store;
    if (db) {
        store = openStore(db);
        store->snapshots().registerModel(m.model->fingerprint(), m.path, m.model->config());
    }
    FairMutex modelLock;
    server::PrefixCache cache(*m.model, int64_t(cacheMb) << 20, store.get());
    server::CompletionEngine engine(*m.model, tokenizer, modelLock, cache, batch);
    server::RequestLimits limits;
    limits.modelId = m.path.stem().string();
    server::ApiServer api(engine, limits, options);

    const int port = api.bind();
    std::printf("rwkv-cli: serving %s at http://%s:%d/v1, up to %d replies at once (Ctrl-C stops)\n", limits.modelId.c_str(),
                options.host.c_str(), port, batch);
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
