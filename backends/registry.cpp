#include "backends/registry.h"

#include "backends/cpu/cpu_device.h"
#include "core/error.h"

namespace rwkv {

std::vector<DeviceInfo> listDevices()
{
    return {
        {"cpu", cpu::CpuDevice(1).name(), true},
        {"cuda:0", "not built in this version (CUDA backend: later issue)", false},
        {"vulkan:0", "not built in this version (Vulkan backend: later issue)", false},
    };
}

std::unique_ptr<Device> createDevice(const std::string& id, int threads)
{
    if (id == "cpu" || id == "cpu:0") return std::make_unique<cpu::CpuDevice>(threads);
    for (const DeviceInfo& d : listDevices())
        if (d.id == id) throw Error(ErrorCode::Unsupported, "device " + id + " is unavailable: " + d.description);
    throw Error(ErrorCode::InvalidArgument, "unknown device '" + id + "' (known: cpu, cuda:N, vulkan:N)");
}

} // namespace rwkv
