// Snapshot benchmark. The loaded model replays a conversation of --replay-tokens tokens from
// its initial state (timed: that is what restoring saves). Its final state is the real state
// benchmarked for the model's own shape; other shapes get states whose values are drawn
// from that real state, component by component (token-shift vectors, WKV matrices), so they
// compress like real ones without having to run a 7B model. "restore" reuses the store's
// buffers as a running app does; "restore on a new connection" opens the database again
// first, as a new process (rwkv-cli chat --conversation) does, so its buffers are fresh memory.
#include "core/error.h"
#include "core/store/store.h"
#include "core/utf8_path.h"
#include "tools/rwkv-cli/model_setup.h"
#include "tools/rwkv-cli/state_bench.h"

#include <nlohmann/json.hpp>
#include <xxhash.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <random>
#include <sstream>
#include <unistd.h>

namespace rwkv::cli {

namespace {

using Clock = std::chrono::steady_clock;

double millisSince(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

struct Shape {
    int layers = 0, width = 0;
};

std::vector<Shape> parseShapes(const std::string& text)
{
    std::vector<Shape> out;
    std::stringstream in(text);
    for (std::string item; std::getline(in, item, ',');) {
        Shape s;
        if (std::sscanf(item.c_str(), "%dx%d", &s.layers, &s.width) != 2 || s.layers <= 0 || s.width <= 0 || s.width % 64)
            throw Error(ErrorCode::InvalidArgument, "--shapes expects LAYERSxWIDTH items (width a multiple of 64), got '" + item + "'");
        out.push_back(s);
    }
    return out;
}

// A chat-like token sequence of exactly `count` tokens.
std::vector<int32_t> conversationTokens(const LoadedModel& m, int count)
{
    std::vector<int32_t> out;
    if (m.tokenizer) {
        for (int i = 0; int(out.size()) < count; ++i) {
            const std::string turn = "User: What is the capital of country number " + std::to_string(i)
                                     + "?\n\nAssistant: The capital of country number " + std::to_string(i) + " is City "
                                     + std::to_string(i * 7 % 1000) + ", known for its river and old bridges.\n\n";
            const std::vector<int32_t> ids = m.tokenizer->encode(turn);
            out.insert(out.end(), ids.begin(), ids.end());
        }
    } else {
        std::mt19937 rng(7);
        std::uniform_int_distribution<int32_t> pick(1, m.model->config().vocab - 1);
        while (int(out.size()) < count) out.push_back(pick(rng));
    }
    out.resize(size_t(count));
    return out;
}

// A state of `config` whose values are drawn from `real`'s values of the same component.
State resampledState(const State& real, const ModelConfig& config, const Fingerprint& fp, uint64_t seed)
{
    std::vector<float> shift, wkv;
    const ModelConfig& rc = real.config();
    for (int l = 0; l < rc.nLayer; ++l) {
        const auto layer = real.layer(l);
        shift.insert(shift.end(), layer.begin(), layer.begin() + 2 * rc.nEmbd);
        wkv.insert(wkv.end(), layer.begin() + 2 * rc.nEmbd, layer.end());
    }
    State s(config, fp);
    std::mt19937_64 rng(seed);
    const auto fill = [&](std::span<float> out, const std::vector<float>& pool) {
        std::uniform_int_distribution<size_t> pick(0, pool.size() - 1);
        for (float& x : out) x = pool[pick(rng)];
    };
    for (int l = 0; l < config.nLayer; ++l) {
        fill(s.attShift(l), shift);
        fill(s.ffnShift(l), shift);
        fill(s.wkv(l), wkv);
    }
    return s;
}

struct Row {
    Shape shape;
    bool real = false;
    int64_t bytes = 0, storedBytes = 0;
    double saveMs = 0, restoreMs = 0;
    double newConnectionMs = 0; // restore on a just-opened connection, as a new process does
};

Row measure(Store& store, const State& state, const std::string& label, int repetitions)
{
    Row row;
    std::vector<double> saves, restores, newConnection;
    store.snapshots().registerModel(state.weightsFingerprint(), label, state.config());
    for (int r = 0; r < repetitions; ++r) {
        auto t0 = Clock::now();
        const int64_t id = store.snapshots().save(state, {});
        saves.push_back(millisSince(t0));
        t0 = Clock::now();
        const State restored = store.snapshots().load(id, state.config(), state.weightsFingerprint());
        restores.push_back(millisSince(t0));
        if (!std::equal(restored.data().begin(), restored.data().end(), state.data().begin()))
            throw Error(ErrorCode::Database, "a restored state differs from the saved one");
        {
            Store other(store.database().path());
            t0 = Clock::now();
            const State again = other.snapshots().load(id, state.config(), state.weightsFingerprint());
            newConnection.push_back(millisSince(t0));
        }
        const SnapshotInfo info = *store.snapshots().info(id);
        row.bytes = info.byteSize;
        row.storedBytes = info.storedBytes;
        store.snapshots().remove(id);
    }
    row.saveMs = median(saves);
    row.restoreMs = median(restores);
    row.newConnectionMs = median(newConnection);
    return row;
}

} // namespace

int runStateBench(Args& args)
{
    const auto db = args.value("db");
    const std::vector<Shape> shapes = parseShapes(args.value("shapes").value_or("12x768,24x2048,32x4096"));
    const int replayTokens = args.intValue("replay-tokens", 4000);
    const int repetitions = args.intValue("repetitions", 10);
    const bool json = args.flag("json");
    if (replayTokens <= 0 || repetitions <= 0)
        throw Error(ErrorCode::InvalidArgument, "--replay-tokens and --repetitions must be positive");
    LoadedModel m = loadModel(args);
    args.finish();

    const std::vector<int32_t> tokens = conversationTokens(m, replayTokens);
    State real = m.model->newState();
    auto t0 = Clock::now();
    m.model->forward(tokens, real);
    const double replayMs = millisSince(t0);

    const std::filesystem::path path = db ? pathFromUtf8(*db)
                                          : std::filesystem::temp_directory_path()
                                                / ("rwkv-state-bench-" + std::to_string(getpid()) + ".sqlite");
    std::vector<Row> rows;
    {
        Store store(path);
        for (const Shape& shape : shapes) {
            ModelConfig c = m.model->config();
            const bool own = c.generation == Generation::X070 && c.nLayer == shape.layers && c.nEmbd == shape.width;
            Row row;
            if (own) {
                row = measure(store, real, pathToUtf8(m.path), repetitions);
            } else {
                c.generation = Generation::X070;
                c.nLayer = shape.layers;
                c.nEmbd = shape.width;
                c.headSize = 64;
                c.nHead = shape.width / 64;
                const std::string label = "synthetic x070 L" + std::to_string(shape.layers) + " C" + std::to_string(shape.width);
                Fingerprint fp{};
                const XXH128_hash_t h = XXH3_128bits(label.data(), label.size());
                std::memcpy(fp.data(), &h, sizeof h);
                row = measure(store, resampledState(real, c, fp, uint64_t(shape.layers * 10000 + shape.width)), label, repetitions);
            }
            row.shape = shape;
            row.real = own;
            rows.push_back(row);
        }
    }
    if (!db)
        for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(std::filesystem::path(path) += suffix);

    const Row* ownRow = nullptr;
    for (const Row& r : rows)
        if (r.real) ownRow = &r;
    if (json) {
        nlohmann::json out = {{"model", pathToUtf8(m.path)}, {"replay_tokens", replayTokens}, {"replay_ms", replayMs},
                              {"shapes", nlohmann::json::array()}};
        for (const Row& r : rows)
            out["shapes"].push_back({{"layers", r.shape.layers}, {"width", r.shape.width}, {"real_state", r.real},
                                     {"bytes", r.bytes}, {"stored_bytes", r.storedBytes}, {"save_ms", r.saveMs},
                                     {"restore_ms", r.restoreMs}, {"restore_new_connection_ms", r.newConnectionMs}});
        std::cout << out.dump() << "\n";
        return 0;
    }
    std::printf("replay of %d tokens with %s (%s): %.1f ms\n\n", replayTokens, pathToUtf8(m.path.filename()).c_str(),
                m.model->config().describe().c_str(), replayMs);
    std::printf("| state shape | state | snapshot (zstd) | save ms | restore ms | restore on a new connection ms |\n"
                "|---|---|---|---|---|---|\n");
    for (const Row& r : rows)
        std::printf("| L%d C%d%s | %.2f MiB | %.2f MiB | %.2f | %.2f | %.2f |\n", r.shape.layers, r.shape.width,
                    r.real ? " (real)" : "", double(r.bytes) / (1 << 20), double(r.storedBytes) / (1 << 20), r.saveMs,
                    r.restoreMs, r.newConnectionMs);
    if (ownRow)
        std::printf("\nrestore is %.0f× faster than replaying %d tokens\n", replayMs / ownRow->restoreMs, replayTokens);
    return 0;
}

} // namespace rwkv::cli
