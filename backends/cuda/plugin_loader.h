#pragma once
// Finds and opens the CUDA plugin (librwkv_cuda.so) at run time, so that programs link no
// CUDA library and run where there is no NVIDIA driver. Built into the registry with or
// without the CUDA toolkit; needs no CUDA header.
#include "backends/registry.h"

#include <memory>
#include <vector>

namespace rwkv::cuda {

// The cuda:N devices the plugin reports, or a single unavailable cuda:0 with the reason (not
// built, plugin not found or not loadable, no driver, no GPU).
std::vector<DeviceInfo> pluginDevices();

// Throws Error(Unsupported) with the reason when cuda:index cannot be opened.
std::unique_ptr<Device> createPluginDevice(int index);

} // namespace rwkv::cuda
