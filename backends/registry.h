#pragma once
// The one place that knows which backends were compiled in (design.md property 2).
#include "core/device.h"

#include <memory>
#include <string>
#include <vector>

namespace rwkv {

struct DeviceInfo {
    std::string id;          // "cpu", "cuda:0", "vulkan:0"
    std::string description; // what it is, or why it is unavailable
    bool available = false;
};

// Every backend this build knows, available or not.
std::vector<DeviceInfo> listDevices();

// Creates a device by id ("cpu"). threads applies to the CPU backend (0 = all hardware threads;
// more are capped at them, see cpu::effectiveThreads).
// Throws Error(InvalidArgument) for an unknown id, Error(Unsupported) for an unavailable one.
std::unique_ptr<Device> createDevice(const std::string& id, int threads = 0);

} // namespace rwkv
