#pragma once
// The CUDA backend (built as the plugin librwkv_cuda.so): one stream per device; kernels are
// queued in call order and launched at the next upload or download (as a replayed CUDA graph
// when the queue repeats: decode), and download() synchronises, so buffers may be freed only
// after the results that use them were downloaded. Matmuls with up to
// kMaxGemvRows input rows stream the weights through a GEMV kernel; longer ones round the
// activations to the weight type and run cuBLAS on tensor cores with fp32 accumulation (int8
// and q4 weights: to fp16, with slices of the weights decoded to fp16).
// Every CUDA and cuBLAS status is checked and becomes an rwkv::Error.
#include "backends/cuda/launch_queue.h"
#include "core/device.h"

#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include <functional>
#include <initializer_list>
#include <memory>
#include <string>

namespace rwkv::cuda {

// e.g. "NVIDIA H100 80GB HBM3 (sm_90, 79.1 GiB)".
std::string describe(const cudaDeviceProp& prop);

class CudaDevice final : public Device {
public:
    // Throws Error(Unsupported) when the device cannot run this plugin's kernels.
    explicit CudaDevice(int index);
    ~CudaDevice() override;
    CudaDevice(const CudaDevice&) = delete;
    CudaDevice& operator=(const CudaDevice&) = delete;

    std::string name() const override { return m_name; }
    std::optional<MemoryInfo> memoryInfo() const override;

    std::unique_ptr<DeviceBuffer> allocate(size_t bytes) override;
    void upload(const DTensor& dst, const void* host) override;
    void download(void* host, const DTensor& src) override;

    void matmul(const DTensor& out, const DTensor& in, const DTensor& weight) override;
    void layerNorm(const DTensor& out, const DTensor& in, const DTensor& w, const DTensor& b, float eps) override;
    void groupNorm(const DTensor& out, const DTensor& in, const DTensor& w, const DTensor& b, int groupSize,
                   float eps) override;
    void tokenShift(const DTensor& out, const DTensor& in, const DTensor& prev) override;
    void lerp(const DTensor& out, const DTensor& a, const DTensor& b, const DTensor& t) override;
    void unary(UnaryOp op, const DTensor& out, const DTensor& in) override;
    void binary(BinaryOp op, const DTensor& out, const DTensor& a, const DTensor& b) override;
    void wkv4(const DTensor& y, const DTensor& state, const DTensor& w, const DTensor& u, const DTensor& k,
              const DTensor& v) override;
    void wkv5(const DTensor& y, const DTensor& state, const DTensor& r, const DTensor& w, const DTensor& k,
              const DTensor& v, const DTensor& u, int headSize) override;
    void rwkv7KeyPrep(const DTensor& k, const DTensor& alpha, const DTensor& beta, const DTensor& a,
                      const DTensor& kK, const DTensor& kA, int headSize) override;
    void wkv7(const DTensor& y, const DTensor& state, const DTensor& r, const DTensor& w, const DTensor& k,
              const DTensor& v, const DTensor& alpha, const DTensor& beta, int headSize) override;
    void rwkv7Bonus(const DTensor& o, const DTensor& r, const DTensor& k, const DTensor& v, const DTensor& rK,
                    int headSize) override;

private:
    // Frees the stream, handle and scratch (destructor, and a constructor that failed).
    void release() noexcept;
    // Makes this device current for the calling thread (the runtime's current device is per thread).
    void activate() const;
    // Queues an op for the launch queue; its key is op, tensors and values (all arguments).
    void queue(const char* op, std::initializer_list<DTensor> tensors, std::initializer_list<int64_t> values,
               bool graphable, std::function<void()> launch);
    void matmulNow(const DTensor& out, const DTensor& in, const DTensor& weight);
    // Weights an int8 / q4 prefill decodes to fp16 at a time: 32 MiB of scratch.
    static constexpr int64_t kDequantElements = int64_t(16) << 20;
    // Scratch for activations rounded to 16 bits (and decoded weights), grown (after a
    // synchronise) when too small.
    void* halfScratch(size_t bytes);

    int m_index;
    std::string m_name;
    cudaStream_t m_stream = nullptr;
    std::unique_ptr<LaunchQueue> m_queue;
    cublasHandle_t m_blas = nullptr;
    // Device constants for cuBLAS in device pointer mode: [alpha, one, zero] + 4 bytes of amax.
    float* m_constants = nullptr;
    void* m_half = nullptr;
    size_t m_halfBytes = 0;
};

} // namespace rwkv::cuda
