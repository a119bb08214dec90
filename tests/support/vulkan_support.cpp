#include "support/vulkan_support.h"

#include "backends/registry.h"

#include <cstdlib>

namespace rwkv::test {

std::unique_ptr<Device> openVulkan(std::string& why)
{
    why.clear();
    for (const DeviceInfo& d : listDevices()) {
        if (d.id.rfind("vulkan:", 0) != 0) continue;
        if (d.available) return createDevice(d.id);
        why += (why.empty() ? "" : "; ") + d.id + ": " + d.description;
    }
    if (why.empty()) why = "no vulkan device listed";
    return nullptr;
}

bool vulkanRequired()
{
    const char* v = std::getenv("RWKV_REQUIRE_VULKAN");
    return v && *v && std::string(v) != "0";
}

} // namespace rwkv::test
