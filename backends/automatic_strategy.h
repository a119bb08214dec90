#pragma once
// The "Automatic" strategy on this machine: the available devices and their free memory, the
// candidates that fit (core/auto_strategy.h), and the pick: the only candidate, the one
// remembered for this model and these devices, or, on a model's first load here, each
// candidate loaded and timed over a few decode steps and the fastest remembered
// (core/strategy_choices.h). Shared by the CLI (--strategy auto) and the app.
#include "core/auto_strategy.h"
#include "core/checkpoint.h"
#include "core/device.h"

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace rwkv {

struct AutomaticPick {
    Strategy strategy;
    std::string reason; // in words, for the user: what was picked over what, and why
};

// The CPU first, then every available GPU whose memory this build can read.
std::vector<DeviceOffer> availableDeviceOffers(int threads = 0);
// Free memory of device `id`: the host's available memory for "cpu", else the device's
// budget less what is in use; -1 when it cannot tell.
int64_t deviceFreeBytes(const std::string& id, const Device& device);

// Throws Error(OutOfMemory) saying what the model needs when nothing fits, and the last
// candidate's error when every one fails to load. `status` hears what is being measured.
AutomaticPick pickAutomaticStrategy(const Checkpoint& checkpoint, int threads, const std::filesystem::path& choicesFile,
                                    const std::function<void(const std::string&)>& status = {});

// The file the app and the CLI remember choices in: strategy-choices.json in the user's data folder.
std::filesystem::path defaultStrategyChoicesFile();

} // namespace rwkv
