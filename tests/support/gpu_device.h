#pragma once
// The GPU device kinds the shared device tests run on, and how they find a device. Where a
// kind has no available device its tests skip with the registry's reason, unless the kind's
// RWKV_REQUIRE_* variable is set to a value other than 0 (the ci test preset sets
// RWKV_REQUIRE_VULKAN, tools/gpu-remote.sh both): then it is a failure.
#include "core/device.h"

#include <memory>
#include <string>

namespace rwkv::test {

struct GpuKind {
    const char* prefix; // device ids are prefix:N
    const char* label;  // for messages
    const char* requireVariable;
};

inline constexpr GpuKind kVulkan{"vulkan", "Vulkan", "RWKV_REQUIRE_VULKAN"};
inline constexpr GpuKind kCuda{"cuda", "CUDA", "RWKV_REQUIRE_CUDA"};

// The first available device of the kind, or null with the registry's reasons in `why`.
std::unique_ptr<Device> openFirstDevice(const GpuKind& kind, std::string& why);

// Whether the kind's RWKV_REQUIRE_* variable makes a missing device a failure.
bool deviceRequired(const GpuKind& kind);

} // namespace rwkv::test
