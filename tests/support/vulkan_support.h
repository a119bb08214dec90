#pragma once
// Finding a Vulkan device for the Vulkan tests. Where there is none the tests skip with the
// reason, unless RWKV_REQUIRE_VULKAN=1 (set by the ci test preset), which makes it a failure.
#include "core/device.h"

#include <memory>
#include <string>

namespace rwkv::test {

// The first available vulkan:N device, or null with the reason in `why`.
std::unique_ptr<Device> openVulkan(std::string& why);

// True when RWKV_REQUIRE_VULKAN is set to a non-empty value other than 0.
bool vulkanRequired();

} // namespace rwkv::test
