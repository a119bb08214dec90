#include "backends/cpu/simd_dispatch.h"

// Only for HWY_TARGETS, which must see the same HWY_DISABLED_TARGETS as the kernels; this
// file compiles no per-target code.
#include <hwy/highway.h>
#include <hwy/targets.h>

#include <atomic>
#include <cstdint>

namespace rwkv::cpu {

namespace {

// The target forceSimdTarget chose (0: none). Highway's test mock is process-wide state
// itself; this only lets availableSimdTargets look past it.
std::atomic<int64_t> forcedTarget{0};

int64_t targetsWithoutMock()
{
    hwy::SetSupportedTargetsForTest(0);
    const int64_t bits = hwy::SupportedTargets() & HWY_TARGETS;
    hwy::SetSupportedTargetsForTest(forcedTarget.load());
    return bits;
}

} // namespace

std::vector<std::string> availableSimdTargets()
{
    std::vector<std::string> names;
    for (int64_t bits = targetsWithoutMock(); bits != 0; bits &= bits - 1)
        names.emplace_back(hwy::TargetName(bits & -bits));
    return names;
}

bool forceSimdTarget(const std::string& name)
{
    int64_t chosen = 0;
    for (int64_t bits = targetsWithoutMock(); bits != 0 && !name.empty(); bits &= bits - 1)
        if (name == hwy::TargetName(bits & -bits)) chosen = bits & -bits;
    if (!name.empty() && chosen == 0) return false;
    forcedTarget.store(chosen);
    hwy::SetSupportedTargetsForTest(chosen);
    return true;
}

} // namespace rwkv::cpu
