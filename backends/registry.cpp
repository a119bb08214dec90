#include "backends/registry.h"

#include "backends/cpu/cpu_device.h"
#include "backends/cuda/plugin_loader.h"
#include "core/error.h"

#ifdef RWKV_HAS_VULKAN
#include "backends/vulkan/vulkan_context.h"
#include "backends/vulkan/vulkan_device.h"
#endif

#include <charconv>

namespace rwkv {

namespace {

// N of "KIND:N" ("KIND" is KIND:0), or -1 for another id.
int deviceIndex(const std::string& id, const std::string& kind)
{
    if (id == kind) return 0;
    if (id.rfind(kind + ":", 0) != 0) return -1;
    int n = -1;
    const char* end = id.data() + id.size();
    const auto [ptr, ec] = std::from_chars(id.data() + kind.size() + 1, end, n);
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
    // Described as createDevice("cpu") would make it, without starting its threads.
    std::vector<DeviceInfo> out = {{"cpu", cpu::cpuDeviceName(cpu::effectiveThreads(0)), true}};
    for (DeviceInfo& d : cuda::pluginDevices()) out.push_back(std::move(d));
    for (DeviceInfo& d : vulkanDevices()) out.push_back(std::move(d));
    return out;
}

std::unique_ptr<Device> createDevice(const std::string& id, int threads)
{
    if (id == "cpu" || id == "cpu:0") return std::make_unique<cpu::CpuDevice>(threads);
    if (const int cu = deviceIndex(id, "cuda"); cu >= 0) return cuda::createPluginDevice(cu);
    const int vk = deviceIndex(id, "vulkan");
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
