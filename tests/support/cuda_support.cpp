#include "support/cuda_support.h"

#include "backends/registry.h"

#include <cstdlib>

namespace rwkv::test {

std::unique_ptr<Device> openCuda(std::string& why)
{
    for (const DeviceInfo& d : listDevices()) {
        if (d.id != "cuda:0") continue;
        if (d.available) return createDevice(d.id);
        why = d.description;
        return nullptr;
    }
    why = "the registry lists no cuda:0";
    return nullptr;
}

bool cudaRequired()
{
    const char* v = std::getenv("RWKV_REQUIRE_CUDA");
    return v && *v && std::string(v) != "0";
}

} // namespace rwkv::test
