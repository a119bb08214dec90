#pragma once
// How far each GPU kind's results may be from the CPU backend's and the official package's,
// from how its arithmetic differs (the reasons are in gpu_tolerances.cpp).
#include "core/dtype.h"
#include "support/gpu_device.h"

namespace rwkv::test {

// NMSE bounds of the kernels against the CPU backend.
struct KernelTolerances {
    double (*matmul)(DType weights, int tokens);
    double norm, lerp, unary, wkv, rwkv7Heads;
};

struct ModelTolerances {
    double (*reference)(DType weights); // max|Δ|/max|ref| against the official package
    double (*cpu)(DType weights);       // NMSE against the CPU backend and between chunkings
};

KernelTolerances kernelTolerances(const GpuKind& kind);
ModelTolerances modelTolerances(const GpuKind& kind);

} // namespace rwkv::test
