#include "backends/cuda/plugin_loader.h"

#include "backends/cuda/plugin_api.h"
#include "core/error.h"
#include "core/paths.h"

#ifndef RWKV_CUDA_MISSING
#include <dlfcn.h>
#endif

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace rwkv::cuda {

namespace {

constexpr int kMaxDevices = 16;

// The plugin's entry points, or why there are none.
struct Plugin {
    RwkvCudaListFn list = nullptr;
    RwkvCudaCreateFn create = nullptr;
    std::string why;
};

#ifndef RWKV_CUDA_MISSING
constexpr const char* kPluginFile = "librwkv_cuda.so";

// Where the plugin may be: $RWKV_CUDA_PLUGIN, else lib/ beside the program's bin/ (the build
// and install trees), else the program's own folder.
std::vector<std::filesystem::path> candidates()
{
    if (const char* env = std::getenv("RWKV_CUDA_PLUGIN"); env && *env) return {env};
    const std::filesystem::path exe = executablePath();
    if (exe.empty()) return {};
    return {exe.parent_path().parent_path() / "lib" / kPluginFile, exe.parent_path() / kPluginFile};
}
#endif

// dlopen keeps a reference count: the library is mapped once and, as devices run its code,
// never closed (it stays for the life of the process like a linked library).
Plugin openPlugin()
{
    Plugin p;
#ifdef RWKV_CUDA_MISSING
    p.why = "not built: " RWKV_CUDA_MISSING;
    return p;
#else
    for (const std::filesystem::path& path : candidates()) {
        std::error_code ec;
        if (!std::filesystem::exists(path, ec)) continue;
        void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (!handle) {
            const char* e = dlerror();
            p.why = "the CUDA plugin cannot be loaded: " + std::string(e ? e : path.string());
            return p;
        }
        const auto abi = reinterpret_cast<RwkvCudaAbiFn>(dlsym(handle, "rwkv_cuda_abi"));
        p.list = reinterpret_cast<RwkvCudaListFn>(dlsym(handle, "rwkv_cuda_list"));
        p.create = reinterpret_cast<RwkvCudaCreateFn>(dlsym(handle, "rwkv_cuda_create"));
        if (!abi || !p.list || !p.create || abi() != kRwkvCudaAbi) {
            p = Plugin{};
            p.why = "the CUDA plugin " + path.string() + " belongs to another version of this program";
        }
        return p;
    }
    p.why = std::string("the CUDA plugin ") + kPluginFile + " was not found beside the program";
    return p;
#endif
}

} // namespace

std::vector<DeviceInfo> pluginDevices()
{
    const Plugin plugin = openPlugin();
    if (!plugin.list) return {{"cuda:0", plugin.why, false}};
    RwkvCudaDeviceInfo infos[kMaxDevices];
    char error[kRwkvCudaTextSize] = {};
    const int count = plugin.list(infos, kMaxDevices, error, sizeof(error));
    if (count < 0) return {{"cuda:0", error, false}};
    if (count == 0) return {{"cuda:0", "no NVIDIA GPU found", false}};
    std::vector<DeviceInfo> out;
    for (int i = 0; i < std::min(count, kMaxDevices); ++i) {
        const RwkvCudaDeviceInfo& d = infos[i];
        std::string text = d.name;
        if (d.reason[0]) text = text.empty() ? std::string(d.reason) : text + ": " + d.reason;
        out.push_back({"cuda:" + std::to_string(i), text, d.reason[0] == '\0'});
    }
    return out;
}

std::unique_ptr<Device> createPluginDevice(int index)
{
    const std::string id = "cuda:" + std::to_string(index);
    const Plugin plugin = openPlugin();
    if (!plugin.create) throw Error(ErrorCode::Unsupported, "device " + id + " is unavailable: " + plugin.why);
    char error[kRwkvCudaTextSize] = {};
    Device* device = plugin.create(index, error, sizeof(error));
    if (!device) throw Error(ErrorCode::Unsupported, "device " + id + " is unavailable: " + error);
    return std::unique_ptr<Device>(device);
}

} // namespace rwkv::cuda
