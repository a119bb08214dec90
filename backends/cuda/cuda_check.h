#pragma once
// CUDA and cuBLAS statuses as rwkv::Error: OutOfMemory for failed allocations, Unsupported
// for a driver, device or build that cannot run the kernels, DeviceLost for everything else.
#include "core/error.h"

#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include <string>

namespace rwkv::cuda {

inline ErrorCode errorCodeFor(cudaError_t e)
{
    switch (e) {
    case cudaErrorMemoryAllocation: return ErrorCode::OutOfMemory;
    case cudaErrorInsufficientDriver:
    case cudaErrorNoDevice:
    case cudaErrorNoKernelImageForDevice:
    case cudaErrorUnsupportedPtxVersion:
    case cudaErrorInvalidDevice: return ErrorCode::Unsupported;
    default: return ErrorCode::DeviceLost;
    }
}

inline void check(cudaError_t e, const char* what)
{
    if (e != cudaSuccess)
        throw Error(errorCodeFor(e), std::string("CUDA ") + what + ": " + cudaGetErrorString(e));
}

inline void check(cublasStatus_t s, const char* what)
{
    if (s == CUBLAS_STATUS_SUCCESS) return;
    const ErrorCode code = s == CUBLAS_STATUS_ALLOC_FAILED ? ErrorCode::OutOfMemory
        : s == CUBLAS_STATUS_NOT_SUPPORTED || s == CUBLAS_STATUS_ARCH_MISMATCH ? ErrorCode::Unsupported
                                                                                : ErrorCode::DeviceLost;
    throw Error(code, std::string("cuBLAS ") + what + ": " + cublasGetStatusString(s));
}

} // namespace rwkv::cuda
