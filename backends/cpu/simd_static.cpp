#include "backends/cpu/simd_dispatch.h"

// Build without runtime dispatch (RWKV_CPU_RUNTIME_DISPATCH=OFF): Highway compiles every
// kernel once, for the best target the compiler flags allow, and needs no runtime library.
#include <hwy/highway.h>

namespace rwkv::cpu {

std::vector<std::string> availableSimdTargets() { return {hwy::TargetName(HWY_STATIC_TARGET)}; }

bool forceSimdTarget(const std::string& name) { return name.empty() || name == hwy::TargetName(HWY_STATIC_TARGET); }

} // namespace rwkv::cpu
