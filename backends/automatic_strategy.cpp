#include "backends/automatic_strategy.h"

#include "backends/registry.h"
#include "backends/strategy_devices.h"
#include "core/error.h"
#include "core/paths.h"
#include "core/process_memory.h"
#include "core/strategy_choices.h"

#include <chrono>
#include <cstdio>

namespace rwkv {

namespace {

// Decode steps timed per candidate, after one step to warm up (first-touch costs, shader
// setup); a warm-up step slower than kSlowStepSeconds is the measurement itself, so a device
// far too slow to win (a software GPU on a large model) costs one step, not five.
constexpr int kMeasuredSteps = 4;
constexpr double kSlowStepSeconds = 1.0;

double secondsSince(std::chrono::steady_clock::time_point t0)
{
    return std::max(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 1e-9);
}

// Decode tokens/s of `strategy` once loaded.
double measureDecode(const Checkpoint& checkpoint, const Strategy& strategy, int threads)
{
    StrategyDevices devices = createStrategyDevices(strategy, threads);
    const std::unique_ptr<Model> model = Model::load(checkpoint, devices.stages);
    State state = model->newState();
    auto t0 = std::chrono::steady_clock::now();
    model->forward(std::vector<int32_t>{0}, state);
    if (const double warmUp = secondsSince(t0); warmUp > kSlowStepSeconds) return 1 / warmUp;
    t0 = std::chrono::steady_clock::now();
    for (int i = 1; i <= kMeasuredSteps; ++i) model->forward(std::vector<int32_t>{i % model->config().vocab}, state);
    return kMeasuredSteps / secondsSince(t0);
}

std::string speedText(double tokensPerSecond)
{
    char text[48];
    std::snprintf(text, sizeof text, "%.1f tokens/s", tokensPerSecond);
    return text;
}

} // namespace

int64_t deviceFreeBytes(const std::string& id, const Device& device)
{
    if (id == "cpu") return availableMemoryBytes();
    const auto memory = device.memoryInfo();
    return memory && memory->budget > memory->used ? int64_t(memory->budget - memory->used) : -1;
}

std::vector<DeviceOffer> availableDeviceOffers(int threads)
{
    std::vector<DeviceOffer> out;
    for (const DeviceInfo& d : listDevices()) {
        if (!d.available) continue;
        try {
            const std::unique_ptr<Device> device = createDevice(d.id, threads);
            const int64_t free = deviceFreeBytes(d.id, *device);
            if (d.id == "cpu")
                out.insert(out.begin(), {d.id, device->name(), free});
            else if (free > 0)
                out.push_back({d.id, device->name(), free});
        } catch (const Error&) {
            // A device that lists as available but does not open is not offered.
        }
    }
    return out;
}

AutomaticPick pickAutomaticStrategy(const Checkpoint& checkpoint, int threads, const std::filesystem::path& choicesFile,
                                    const std::function<void(const std::string&)>& status)
{
    const ModelConfig config = detectModelConfig(checkpoint);
    const std::vector<DeviceOffer> offers = availableDeviceOffers(threads);
    const std::vector<Candidate> candidates = automaticCandidates(config, checkpoint.at("head.weight").dtype, offers);
    if (candidates.empty()) throw Error(ErrorCode::OutOfMemory, nothingFitsMessage(config, offers));
    if (candidates.size() == 1)
        return {candidates[0].strategy,
                candidates[0].why + (offers.size() == 1 ? " (no GPU is available)" : "; nothing else fits")};

    const std::string key = choiceKey(checkpoint.path(), offers);
    if (const auto remembered = findStrategyChoice(choicesFile, key))
        for (const Candidate& c : candidates)
            if (c.strategy.text() == remembered->strategy) return {c.strategy, remembered->reason + " (measured on an earlier load)"};

    StrategyChoice choice;
    const Candidate* best = nullptr;
    std::string lastError;
    for (const Candidate& c : candidates) {
        if (status) status("measuring " + c.strategy.text());
        try {
            const double speed = measureDecode(checkpoint, c.strategy, threads);
            choice.measured[c.strategy.text()] = speed;
            if (!best || speed > choice.measured[best->strategy.text()]) best = &c;
        } catch (const Error& e) {
            lastError = c.strategy.text() + ": " + e.what();
        }
    }
    if (!best) throw Error(ErrorCode::OutOfMemory, "no candidate strategy could load the model; " + lastError);
    choice.strategy = best->strategy.text();
    choice.reason = choice.strategy + " decoded fastest, " + speedText(choice.measured[choice.strategy]);
    for (const auto& [strategy, speed] : choice.measured)
        if (strategy != choice.strategy) choice.reason += "; " + strategy + " " + speedText(speed);
    choice.reason += " (" + best->why + ")";
    rememberStrategyChoice(choicesFile, key, choice);
    return {best->strategy, choice.reason};
}

std::filesystem::path defaultStrategyChoicesFile() { return userDataDir() / "strategy-choices.json"; }

} // namespace rwkv
