#pragma once
// Vulkan instance and adapter discovery. Nothing here crashes or throws past its API: a
// missing loader, a failing vkCreateInstance or an adapter without what the kernels need
// all end up as an unavailable entry with the reason.
#include <vulkan/vulkan.h>

#include <string>
#include <vector>

namespace rwkv::vulkan {

// Throws Error(Unsupported) when the call failed, naming what and the VkResult.
void check(VkResult result, const char* what);

// A Vulkan 1.2 instance; throws Error(Unsupported) when none can be created.
class Instance {
public:
    Instance();
    ~Instance();
    Instance(const Instance&) = delete;
    Instance& operator=(const Instance&) = delete;
    VkInstance get() const { return m_instance; }
    std::vector<VkPhysicalDevice> adapters() const;

private:
    VkInstance m_instance = VK_NULL_HANDLE;
};

struct AdapterInfo {
    std::string name;   // e.g. "NVIDIA H100 80GB HBM3 (Vulkan 1.3)"
    std::string reason; // empty when usable, else why the kernels cannot run on it
    uint32_t subgroupSize = 0;
};

// What adapter `physical` is and whether it has every feature the kernels rely on.
AdapterInfo describeAdapter(VkPhysicalDevice physical);

// Every adapter, or one entry {"", reason} when there is no loader, instance or adapter.
std::vector<AdapterInfo> listAdapters();

} // namespace rwkv::vulkan
