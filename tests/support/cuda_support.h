#pragma once
// Finding a CUDA device for the CUDA tests. Where there is none they skip with the
// registry's reason, unless RWKV_REQUIRE_CUDA=1 (tools/gpu-check.sh sets it): then it fails.
#include "core/device.h"

#include <memory>
#include <string>

namespace rwkv::test {

// cuda:0 when available, else null with the reason in `why`.
std::unique_ptr<Device> openCuda(std::string& why);

// True when RWKV_REQUIRE_CUDA is set to a non-empty value other than 0.
bool cudaRequired();

} // namespace rwkv::test
