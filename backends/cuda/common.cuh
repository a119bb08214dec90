#pragma once
// Device helpers shared by the kernel files.
#include <cuda_runtime.h>

namespace rwkv::cuda {

inline constexpr int kWarp = 32;

// Threads for n items, one each, rounded up to whole warps.
inline int warpRounded(int n) { return (n + kWarp - 1) / kWarp * kWarp; }

__device__ __forceinline__ float warpSum(float v)
{
#pragma unroll
    for (int d = kWarp / 2; d > 0; d /= 2) v += __shfl_xor_sync(0xffffffffu, v, d);
    return v;
}

// Sum over the block (blockDim.x a multiple of 32, at most 1024), returned to every thread.
// `shared` holds 33 floats; the call ends with the block synchronised.
__device__ __forceinline__ float blockSum(float v, float* shared)
{
    const int lane = threadIdx.x % kWarp, warp = threadIdx.x / kWarp, warps = blockDim.x / kWarp;
    v = warpSum(v);
    if (lane == 0) shared[warp] = v;
    __syncthreads();
    if (warp == 0) {
        float s = lane < warps ? shared[lane] : 0.0f;
        s = warpSum(s);
        if (lane == 0) shared[32] = s;
    }
    __syncthreads();
    const float total = shared[32];
    __syncthreads(); // shared may be reused right after
    return total;
}

// The branch keeps exp's argument ≤ 0, as on the CPU, so large |x| never gives inf/inf.
__device__ __forceinline__ float sigmoidf(float x)
{
    const float e = expf(-fabsf(x));
    const float s = 1.0f / (1.0f + e);
    return x >= 0.0f ? s : e * s;
}

} // namespace rwkv::cuda
