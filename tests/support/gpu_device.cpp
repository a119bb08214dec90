#include "support/gpu_device.h"

#include "backends/registry.h"

#include <cstdlib>

namespace rwkv::test {

std::unique_ptr<Device> openFirstDevice(const GpuKind& kind, std::string& why)
{
    const std::string prefix = std::string(kind.prefix) + ":";
    for (const DeviceInfo& d : listDevices()) {
        if (d.id.rfind(prefix, 0) != 0) continue;
        if (d.available) return createDevice(d.id);
        why += (why.empty() ? "" : "; ") + d.id + ": " + d.description;
    }
    if (why.empty()) why = "the registry lists no " + std::string(kind.prefix) + " device";
    return nullptr;
}

bool deviceRequired(const GpuKind& kind)
{
    const char* v = std::getenv(kind.requireVariable);
    return v && *v && std::string(v) != "0";
}

} // namespace rwkv::test
