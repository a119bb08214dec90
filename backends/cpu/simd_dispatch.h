#pragma once
// Run-time SIMD target selection of the CPU kernels (Highway dynamic dispatch). By default
// every kernel runs on the best target the CPU supports; tests force each one in turn.
#include <string>
#include <vector>

namespace rwkv::cpu {

// Targets compiled into this binary that this CPU can run, best first, e.g.
// {"AVX3", "AVX2", "SSE4", "SCALAR"}.
std::vector<std::string> availableSimdTargets();
// Makes every kernel dispatch to the named target from now on; an empty name restores the
// best one. Returns false (and changes nothing) for a target not in availableSimdTargets().
bool forceSimdTarget(const std::string& name);

} // namespace rwkv::cpu
