// rwkv-cli bench: prefill and decode speed, with the machine's own read bandwidth and FMA
// peak measured in the same run so figures can be compared across machines; with --batch B
// also the aggregate speed of B conversations decoded together (Model::forwardBatch).
#include "backends/cpu/cpu_device.h"
#include "backends/cpu/probes.h"
#include "backends/cpu/thread_pool.h"
#include "core/error.h"
#include "core/utf8_path.h"
#include "tools/rwkv-cli/commands.h"
#include "tools/rwkv-cli/model_setup.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <optional>
#include <random>

namespace rwkv::cli {

namespace {

struct Stat {
    double mean = 0, stddev = 0;
};

Stat stats(const std::vector<double>& v)
{
    Stat s;
    for (double x : v) s.mean += x;
    s.mean /= double(v.size());
    for (double x : v) s.stddev += (x - s.mean) * (x - s.mean);
    s.stddev = v.size() > 1 ? std::sqrt(s.stddev / double(v.size() - 1)) : 0.0;
    return s;
}

double seconds(std::chrono::steady_clock::time_point t0)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

int32_t greedy(std::span<const float> logits)
{
    return int32_t(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

// Aggregate tokens/s of `batch` conversations decoded together, greedy, genTokens steps each;
// each starts from its own short prompt, so they sit at different positions as in a server.
double batchedDecode(Model& model, std::span<const int32_t> prompt, int batch, int genTokens)
{
    std::vector<State> states;
    std::vector<State*> ptrs;
    std::vector<int32_t> next;
    for (int b = 0; b < batch; ++b) {
        states.push_back(model.newState());
        const size_t start = size_t(b) % prompt.size(), length = std::min(size_t(1 + b % 8), prompt.size() - start);
        next.push_back(greedy(model.forward(prompt.subspan(start, length), states.back())));
    }
    for (State& s : states) ptrs.push_back(&s);
    const size_t V = size_t(model.config().vocab);
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < genTokens; ++i) {
        const std::vector<float> logits = model.forwardBatch(next, ptrs);
        for (size_t b = 0; b < next.size(); ++b) next[b] = greedy(std::span(logits).subspan(b * V, V));
    }
    return double(batch) * genTokens / seconds(t0);
}

} // namespace

int runBench(Args& args)
{
    const int promptTokens = args.intValue("prompt-tokens", 512);
    const int genTokens = args.intValue("gen-tokens", 128);
    const int repetitions = args.intValue("repetitions", 3);
    const bool json = args.flag("json");
    if (promptTokens <= 0 || genTokens <= 0 || repetitions <= 0)
        throw Error(ErrorCode::InvalidArgument, "--prompt-tokens, --gen-tokens and --repetitions must be positive");
    const int threads = args.intValue("threads", 0); // also read by loadModel, for the CPU device
    // A GPU's memory bandwidth cannot be probed from the host: the roofline needs it given.
    const double deviceGBs = args.floatValue("device-gbs", 0.0f);
    const int batch = args.intValue("batch", 1);
    if (batch < 1 || batch > kMaxBatch)
        throw Error(ErrorCode::InvalidArgument, "--batch must be 1 to " + std::to_string(kMaxBatch));
    LoadedModel m = loadModel(args);
    args.finish();
    Model& model = *m.model;
    const ModelConfig& c = model.config();

    std::mt19937 rng(1234);
    std::uniform_int_distribution<int32_t> pick(1, c.vocab - 1);
    std::vector<int32_t> prompt(static_cast<size_t>(promptTokens));
    for (int32_t& t : prompt) t = pick(rng);

    std::vector<double> prefill, decode, batched;
    State warm = model.newState();
    model.forward(std::span(prompt).first(std::min<size_t>(prompt.size(), 16)), warm); // touch weights and scratch
    for (int r = 0; r < repetitions; ++r) {
        State state = model.newState();
        auto t0 = std::chrono::steady_clock::now();
        std::vector<float> logits = model.forward(prompt, state);
        prefill.push_back(promptTokens / seconds(t0));
        t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < genTokens; ++i) {
            const int32_t next = int32_t(std::max_element(logits.begin(), logits.end()) - logits.begin());
            logits = model.forward(std::span(&next, 1), state);
        }
        decode.push_back(genTokens / seconds(t0));
        if (batch > 1) batched.push_back(batchedDecode(model, prompt, batch, genTokens));
    }

    cpu::ThreadPool pool(cpu::effectiveThreads(threads));
    const double bandwidth = cpu::measureReadBandwidthGBs(pool);
    const double fmaPeak = cpu::measureFmaPeakGflops(pool);

    const Stat pp = stats(prefill), tg = stats(decode), tgBatch = batch > 1 ? stats(batched) : Stat{};
    const double bytesPerToken = double(model.bytesPerDecodedToken());
    const double decodeGBs = tg.mean * bytesPerToken / 1e9;
    // Decode roofline: the device's memory bandwidth over the bytes a token reads (host RAM as
    // probed above for host-memory devices, --device-gbs for the others).
    const bool gpu = !model.device().hostMemory();
    const double bandwidthLimit = (gpu ? deviceGBs : bandwidth) * 1e9 / bytesPerToken;
    // Prefill FLOPs per token: every matrix but the head (only the last row needs logits).
    const double matrixParams = double(model.matrixParameters()) - double(c.vocab) * c.nEmbd;
    const double prefillGflops = pp.mean * 2.0 * matrixParams / 1e9;
    const std::string name = std::string(generationId(c.generation)) + " L" + std::to_string(c.nLayer) + " C"
        + std::to_string(c.nEmbd) + " V" + std::to_string(c.vocab);

    const std::optional<std::string> kernels = cpuKernelSummary(m);
    if (json) {
        nlohmann::json j = {{"model", name}, {"file", pathToUtf8(m.path)}, {"strategy", m.strategy.text()},
                                  {"device", model.placement()}, {"prompt_tokens", promptTokens},
                                  {"gen_tokens", genTokens}, {"prefill_tokens_per_s", pp.mean},
                                  {"prefill_stddev", pp.stddev}, {"decode_tokens_per_s", tg.mean},
                                  {"decode_stddev", tg.stddev}, {"decode_weight_gb_per_s", decodeGBs},
                                  {"bytes_per_token", bytesPerToken}, {"prefill_gflops", prefillGflops},
                                  {"machine_read_gb_per_s", bandwidth}, {"machine_fma_gflops", fmaPeak},
                                  {"device_gb_per_s", gpu ? deviceGBs : bandwidth},
                                  {"decode_fraction_of_bandwidth_limit", bandwidthLimit > 0 ? tg.mean / bandwidthLimit : 0.0}};
        if (kernels) j["cpu_kernels"] = *kernels;
        if (batch > 1) {
            j["batch"] = batch;
            j["batch_decode_tokens_per_s"] = tgBatch.mean; // all conversations together
            j["batch_decode_stddev"] = tgBatch.stddev;
        }
        std::cout << j.dump() << "\n";
        return 0;
    }
    std::printf("| model | weights | params | device | test | t/s | note |\n|---|---|---|---|---|---|---|\n");
    std::printf("| %s | %s, %.1f MiB | %.1f M | %s | pp%d | %.1f ± %.1f | %.1f GFLOP/s (%.0f%% of FMA peak) |\n",
                name.c_str(), m.strategy.text().c_str(), double(model.weightBytes()) / (1 << 20),
                double(c.paramCount) / 1e6, model.placement().c_str(), promptTokens, pp.mean, pp.stddev,
                prefillGflops, 100.0 * prefillGflops / fmaPeak);
    char roofline[96] = "roofline unknown: give --device-gbs";
    if (bandwidthLimit > 0)
        std::snprintf(roofline, sizeof roofline, "%.0f%% of the %.0f t/s bandwidth limit", 100.0 * tg.mean / bandwidthLimit,
                      bandwidthLimit);
    std::printf("| %s | %s, %.1f MiB | %.1f M | %s | tg%d | %.1f ± %.1f | %.1f GB/s of weights (%s) |\n", name.c_str(),
                m.strategy.text().c_str(), double(model.weightBytes()) / (1 << 20), double(c.paramCount) / 1e6,
                model.placement().c_str(), genTokens, tg.mean, tg.stddev, decodeGBs, roofline);
    if (batch > 1)
        std::printf("| %s | %s, %.1f MiB | %.1f M | %s | tg%d ×%d | %.1f ± %.1f | all %d together: %.2f× one stream |\n",
                    name.c_str(), m.strategy.text().c_str(), double(model.weightBytes()) / (1 << 20),
                    double(c.paramCount) / 1e6, model.placement().c_str(), genTokens, batch, tgBatch.mean,
                    tgBatch.stddev, batch, tgBatch.mean / tg.mean);
    std::printf("\nmachine: read bandwidth %.1f GB/s, FMA peak %.1f GFLOP/s (%d threads); %.1f MB of weights read per decoded token\n",
                bandwidth, fmaPeak, pool.size(), bytesPerToken / 1e6);
    if (kernels) std::printf("cpu kernels: %s\n", kernels->c_str());
    // GPU runs: "machine" above is the host; the device's own meter says what the model holds.
    if (const std::optional<MemoryInfo> mem = model.device().memoryInfo())
        std::printf("device memory: %.2f of %.2f GiB in use (%s)\n", double(mem->used) / double(1 << 30),
                    double(mem->budget) / double(1 << 30), model.device().name().c_str());
    return 0;
}

} // namespace rwkv::cli
