#pragma once
// The C entry points of the CUDA plugin (librwkv_cuda.so), shared by the plugin and the
// loader in the registry. The Device it returns is a C++ object built with the same compiler,
// so its methods may throw rwkv::Error across the boundary; these entry points never throw.
#include <cstddef>
#include <cstdint>

namespace rwkv {
class Device;
}

// Bumped whenever a struct or signature below, or the Device interface, changes.
inline constexpr int kRwkvCudaAbi = 1;
inline constexpr size_t kRwkvCudaTextSize = 256;

struct RwkvCudaDeviceInfo {
    char name[kRwkvCudaTextSize];   // e.g. "NVIDIA H100 80GB HBM3 (sm_90, 79.1 GiB)"
    char reason[kRwkvCudaTextSize]; // empty when usable, else why not
};

extern "C" {
// The ABI version the plugin was built with (kRwkvCudaAbi).
typedef int (*RwkvCudaAbiFn)();
// Fills up to `capacity` infos; returns the device count, or -1 with the reason in `error`
// (no driver, no device, driver too old).
typedef int (*RwkvCudaListFn)(RwkvCudaDeviceInfo* out, int capacity, char* error, size_t errorSize);
// A new device for cuda:index (delete it through the Device destructor), or null with the
// reason in `error`.
typedef rwkv::Device* (*RwkvCudaCreateFn)(int index, char* error, size_t errorSize);
}
