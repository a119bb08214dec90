// rwkv-cli memory: what a model takes on each device of a strategy, from the file's header
// (core/memory_estimate.h), against what each device has free; --check loads it and compares
// the estimate with the meters: the process's resident memory for the CPU, the device's own
// memory meter for a GPU (both read before and after, independently of the estimate).
#include "backends/automatic_strategy.h"
#include "backends/strategy_devices.h"
#include "core/checkpoint.h"
#include "core/error.h"
#include "core/format_bytes.h"
#include "core/memory_estimate.h"
#include "core/model.h"
#include "core/process_memory.h"
#include "core/utf8_path.h"
#include "tools/rwkv-cli/commands.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <map>

namespace rwkv::cli {

namespace {

// What a device's meter reads now: the process's resident bytes for the CPU (whose weights
// and buffers are host memory), the device's own count otherwise; -1 without a meter.
int64_t meterReading(const std::string& id, const Device* device)
{
    if (id == "cpu") return processResidentBytes() > 0 ? processResidentBytes() : -1;
    const auto info = device ? device->memoryInfo() : std::nullopt;
    return info ? int64_t(info->used) : -1;
}

int64_t freeBytes(const std::string& id, const Device* device) { return device ? deviceFreeBytes(id, *device) : -1; }

std::string mib(int64_t bytes) { return bytes < 0 ? "-" : formatBytes(bytes); }

} // namespace

int runMemory(Args& args)
{
    const ModelOptions options = readModelOptions(args);
    const bool check = args.flag("check"), json = args.flag("json");
    args.finish();
    if (options.automatic)
        throw Error(ErrorCode::InvalidArgument, "memory needs a strategy: \"auto\" is picked when loading (see its message)");

    std::optional<Checkpoint> checkpoint = Checkpoint::open(options.path);
    const ModelConfig config = detectModelConfig(*checkpoint);
    const std::vector<DeviceMemory> estimate = estimateMemory(config, options.strategy);
    StrategyDevices devices = createStrategyDevices(options.strategy, options.threads);
    std::map<std::string, const Device*> byId;
    for (size_t i = 0; i < options.strategy.stages.size(); ++i) {
        const std::string& id = options.strategy.stages[i].device;
        byId[id.starts_with("cpu") ? "cpu" : id] = devices.stages[i].device;
    }

    std::map<std::string, int64_t> measured;
    if (check) {
        std::map<std::string, int64_t> before;
        for (const DeviceMemory& m : estimate) before[m.device] = meterReading(m.device, byId[m.device]);
        std::unique_ptr<Model> model = Model::load(*checkpoint, devices.stages);
        checkpoint.reset(); // as the app and the CLI do after loading: only in-place weights stay mapped
        // A whole chunk, so every working buffer has been written once, then one decoded token.
        State state = model->newState();
        model->forward(std::vector<int32_t>(size_t(kMaxChunkTokens), 0), state);
        model->forward(std::vector<int32_t>{1}, state);
        for (const DeviceMemory& m : estimate) {
            const int64_t after = meterReading(m.device, byId[m.device]);
            measured[m.device] = after < 0 || before[m.device] < 0 ? -1 : after - before[m.device];
        }
    }

    if (json) {
        nlohmann::json j = {{"file", pathToUtf8(options.path)}, {"strategy", options.strategy.text()}, {"devices", nlohmann::json::array()}};
        for (const DeviceMemory& m : estimate) {
            nlohmann::json d = {{"device", m.device}, {"weights_bytes", m.weights}, {"state_bytes", m.state},
                                {"working_bytes", m.working}, {"total_bytes", m.total()},
                                {"free_bytes", freeBytes(m.device, byId[m.device])}};
            if (check) d["measured_bytes"] = measured[m.device];
            j["devices"].push_back(d);
        }
        std::printf("%s\n", j.dump().c_str());
        return 0;
    }
    std::printf("%s as \"%s\" (%s)\n", pathToUtf8(options.path.filename()).c_str(), options.strategy.text().c_str(),
                config.describe().c_str());
    std::printf("%-10s %11s %11s %11s %11s %11s%s\n", "device", "weights", "state", "working", "total", "free",
                check ? "    measured" : "");
    for (const DeviceMemory& m : estimate) {
        std::printf("%-10s %11s %11s %11s %11s %11s", m.device.c_str(), mib(int64_t(m.weights)).c_str(),
                    mib(int64_t(m.state)).c_str(), mib(int64_t(m.working)).c_str(), mib(int64_t(m.total())).c_str(),
                    mib(freeBytes(m.device, byId[m.device])).c_str());
        if (check) {
            const int64_t got = measured[m.device];
            if (got < 0)
                std::printf("    no meter");
            else
                std::printf("  %10s (estimate %+.1f %%)", mib(got).c_str(), 100.0 * (double(m.total()) / double(got) - 1));
        }
        std::printf("\n");
    }
    if (check)
        std::printf("measured: the process's resident memory for the cpu (a software GPU such as lavapipe adds its "
                    "own there), each GPU's memory meter, from before loading to after a %d-token chunk\n",
                    kMaxChunkTokens);
    return 0;
}

} // namespace rwkv::cli
