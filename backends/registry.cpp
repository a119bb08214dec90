#include "backends/registry.h"

#include "backends/cpu/cpu_device.h"
#include "core/error.h"

#ifdef RWKV_HAS_VULKAN
#include "backends/vulkan/vulkan_context.h"
#include "backends/vulkan/vulkan_device.h"
#endif

#include <charconv>

namespace rwkv {

namespace {

// N of "vulkan:N" ("vulkan" is vulkan:0), or -1 for another id.
int vulkanIndex(const std::string& id)
{
    if (id == "vulkan") return 0;
    if (id.rfind("vulkan:", 0) != 0) return -1;
    int n = -1;
    const char* end = id.data() + id.size();
    const auto [ptr, ec] = std::from_chars(id.data() + 7, end, n);
    return ec == std::errc() && ptr == end && n >= 0 ? n : -1;
}

std::vector<DeviceInfo> vulkanDevices()
{
#ifdef RWKV_HAS_VULKAN
    std::vector<DeviceInfo> out;
    const std::vector<vulkan::AdapterInfo> adapters = vulkan::listAdapters();
    for (size_t i = 0; i < adapters.size(); ++i) {
        const vulkan::AdapterInfo& a = adapters[i];
        const bool usable = !a.name.empty() && a.reason.empty();
        const std::string text = a.name.empty() ? a.reason : a.reason.empty() ? a.name : a.name + ": " + a.reason;
        out.push_back({"vulkan:" + std::to_string(i), text, usable});
    }
    return out;
#else
    return {{"vulkan:0", "not built: " RWKV_VULKAN_MISSING, false}};
#endif
}

} // namespace

std::vector<DeviceInfo> listDevices()
{
    std::vector<DeviceInfo> out = {
        {"cpu", cpu::CpuDevice(1).name(), true},
        {"cuda:0", "not built in this version (CUDA backend: later issue)", false},
    };
    for (DeviceInfo& d : vulkanDevices()) out.push_back(std::move(d));
    return out;
}

std::unique_ptr<Device> createDevice(const std::string& id, int threads)
{
    if (id == "cpu" || id == "cpu:0") return std::make_unique<cpu::CpuDevice>(threads);
    const int vk = vulkanIndex(id);
#ifdef RWKV_HAS_VULKAN
    if (vk >= 0) return std::make_unique<vulkan::VulkanDevice>(vk);
#endif
    // Without the Vulkan backend every vulkan:N has vulkan:0's "not built" reason.
    for (const DeviceInfo& d : listDevices())
        if (d.id == id || (vk >= 0 && d.id == "vulkan:0"))
            throw Error(ErrorCode::Unsupported, "device " + id + " is unavailable: " + d.description);
    throw Error(ErrorCode::InvalidArgument, "unknown device '" + id + "' (known: cpu, cuda:N, vulkan:N)");
}

} // namespace rwkv
