// The plugin's C entry points (backends/cuda/plugin_api.h). They never throw: every failure
// becomes a reason string for the registry.
#include "backends/cuda/cuda_device.h"
#include "backends/cuda/kernels.h"
#include "backends/cuda/plugin_api.h"

#include <algorithm>
#include <cstring>
#include <exception>
#include <string>

#define RWKV_CUDA_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

void copyText(char* dst, size_t size, const std::string& text)
{
    if (!dst || size == 0) return;
    const size_t n = std::min(size - 1, text.size());
    std::memcpy(dst, text.data(), n);
    dst[n] = '\0';
}

std::string reasonFor(cudaError_t e)
{
    switch (e) {
    case cudaErrorInsufficientDriver:
        return "no usable NVIDIA driver (libcuda.so.1 is missing or older than CUDA " + std::to_string(CUDART_VERSION / 1000)
            + " needs)";
    case cudaErrorNoDevice: return "no NVIDIA GPU found";
    default: return std::string("CUDA unavailable: ") + cudaGetErrorString(e);
    }
}

} // namespace

RWKV_CUDA_EXPORT int rwkv_cuda_abi() { return kRwkvCudaAbi; }

RWKV_CUDA_EXPORT int rwkv_cuda_list(RwkvCudaDeviceInfo* out, int capacity, char* error, size_t errorSize)
{
    int count = 0;
    const cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess) {
        copyText(error, errorSize, reasonFor(e));
        return -1;
    }
    for (int i = 0; i < std::min(count, capacity); ++i) {
        RwkvCudaDeviceInfo& info = out[i];
        info = RwkvCudaDeviceInfo{};
        cudaDeviceProp prop{};
        if (cudaGetDeviceProperties(&prop, i) != cudaSuccess || cudaSetDevice(i) != cudaSuccess) {
            copyText(info.reason, sizeof(info.reason), reasonFor(cudaGetLastError()));
            continue;
        }
        copyText(info.name, sizeof(info.name), rwkv::cuda::describe(prop));
        if (rwkv::cuda::checkKernelImage() != cudaSuccess) {
            (void)cudaGetLastError();
            copyText(info.reason, sizeof(info.reason),
                     "this build has no kernels for sm_" + std::to_string(prop.major) + std::to_string(prop.minor)
                         + " (rebuild with -DRWKV_CUDA_ARCHITECTURES=" + std::to_string(prop.major)
                         + std::to_string(prop.minor) + ")");
        }
    }
    return count;
}

RWKV_CUDA_EXPORT rwkv::Device* rwkv_cuda_create(int index, char* error, size_t errorSize)
{
    int count = 0;
    if (const cudaError_t e = cudaGetDeviceCount(&count); e != cudaSuccess) {
        copyText(error, errorSize, reasonFor(e));
        return nullptr;
    }
    try {
        return new rwkv::cuda::CudaDevice(index);
    } catch (const std::exception& e) {
        copyText(error, errorSize, e.what());
    } catch (...) {
        copyText(error, errorSize, "unknown error creating the CUDA device");
    }
    return nullptr;
}
