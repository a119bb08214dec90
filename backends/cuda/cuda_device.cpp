#include "backends/cuda/cuda_device.h"

#include "backends/cuda/cuda_check.h"
#include "backends/cuda/kernels.h"

#include <algorithm>
#include <bit>
#include <cstdlib>

namespace rwkv::cuda {

namespace {

constexpr size_t kMinAllocation = 256;

class CudaBuffer final : public DeviceBuffer {
public:
    explicit CudaBuffer(size_t bytes) : m_size(bytes)
    {
        const cudaError_t e = cudaMalloc(&m_data, std::max(bytes, kMinAllocation));
        if (e == cudaErrorMemoryAllocation) {
            (void)cudaGetLastError(); // an allocation failure is not sticky; clear it
            throw Error(ErrorCode::OutOfMemory, "out of GPU memory allocating " + std::to_string(bytes >> 20) + " MiB");
        }
        check(e, "allocation");
    }
    ~CudaBuffer() override { cudaFree(m_data); }
    void* data() override { return m_data; }
    size_t size() const override { return m_size; }

private:
    void* m_data = nullptr;
    size_t m_size;
};

void requireHeadSize(int headSize, int limit, const char* what)
{
    if (headSize > limit)
        throw Error(ErrorCode::Unsupported, std::string(what) + ": head size " + std::to_string(headSize)
                                                + " is above the CUDA kernels' limit of " + std::to_string(limit));
}

} // namespace

std::string describe(const cudaDeviceProp& prop)
{
    const size_t tenths = prop.totalGlobalMem * 10 / (size_t(1) << 30);
    return std::string(prop.name) + " (sm_" + std::to_string(prop.major) + std::to_string(prop.minor) + ", "
        + std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " GiB)";
}

CudaDevice::CudaDevice(int index) : m_index(index)
{
    int count = 0;
    check(cudaGetDeviceCount(&count), "device count");
    if (index < 0 || index >= count)
        throw Error(ErrorCode::InvalidArgument, "there is no CUDA device " + std::to_string(index) + " (found "
                                                    + std::to_string(count) + ")");
    try {
        activate();
        cudaDeviceProp prop{};
        check(cudaGetDeviceProperties(&prop, index), "device properties");
        m_name = describe(prop);
        const cudaError_t image = checkKernelImage();
        if (image != cudaSuccess)
            throw Error(ErrorCode::Unsupported, m_name + " cannot run this build's CUDA kernels ("
                                                    + cudaGetErrorString(image)
                                                    + "); rebuild with -DRWKV_CUDA_ARCHITECTURES=" + std::to_string(prop.major)
                                                    + std::to_string(prop.minor));
        check(cudaStreamCreateWithFlags(&m_stream, cudaStreamNonBlocking), "stream");
        const char* graphs = std::getenv("RWKV_CUDA_GRAPHS");
        m_queue = std::make_unique<LaunchQueue>(m_stream, !(graphs && std::string(graphs) == "0"));
        check(cublasCreate(&m_blas), "create");
        check(cublasSetStream(m_blas, m_stream), "set stream");
        check(cublasSetPointerMode(m_blas, CUBLAS_POINTER_MODE_DEVICE), "pointer mode");
        void* constantsMemory = nullptr;
        check(cudaMalloc(&constantsMemory, 4 * sizeof(float)), "allocation");
        m_constants = static_cast<float*>(constantsMemory);
        const float constants[4] = {1.0f, 1.0f, 0.0f, 0.0f};
        check(cudaMemcpy(m_constants, constants, sizeof(constants), cudaMemcpyHostToDevice), "upload");
    } catch (...) {
        release();
        throw;
    }
}

CudaDevice::~CudaDevice() { release(); }

void CudaDevice::release() noexcept
{
    // Nothing here may throw; errors of a lost device no longer matter.
    if (m_queue) m_queue->drop();
    m_queue.reset();
    if (m_stream) cudaStreamSynchronize(m_stream);
    if (m_blas) cublasDestroy(m_blas);
    cudaFree(m_half);
    cudaFree(m_constants);
    if (m_stream) cudaStreamDestroy(m_stream);
    m_stream = nullptr;
    m_blas = nullptr;
    m_half = m_constants = nullptr;
}

std::optional<MemoryInfo> CudaDevice::memoryInfo() const
{
    activate();
    size_t free = 0, total = 0;
    if (cudaMemGetInfo(&free, &total) != cudaSuccess) return std::nullopt;
    return MemoryInfo{uint64_t(total - free), uint64_t(total)};
}

void CudaDevice::activate() const { check(cudaSetDevice(m_index), "set device"); }

void CudaDevice::queue(const char* op, std::initializer_list<DTensor> tensors, std::initializer_list<int64_t> values,
                       bool graphable, std::function<void()> launch)
{
    std::string key(op);
    auto append = [&key](const auto& v) { key.append(reinterpret_cast<const char*>(&v), sizeof(v)); };
    for (const DTensor& t : tensors) {
        append(t.data);
        append(t.dtype);
        append(t.rows);
        append(t.cols);
    }
    for (int64_t v : values) append(v);
    m_queue->push(std::move(key), graphable, op, std::move(launch));
}

void* CudaDevice::halfScratch(size_t bytes)
{
    if (bytes <= m_halfBytes) return m_half;
    check(cudaStreamSynchronize(m_stream), "synchronise"); // kernels still queued may read the old one
    cudaFree(m_half);
    m_half = nullptr;
    m_halfBytes = 0;
    check(cudaMalloc(&m_half, bytes), "allocation");
    m_halfBytes = bytes;
    return m_half;
}

std::unique_ptr<DeviceBuffer> CudaDevice::allocate(size_t bytes)
{
    activate();
    return std::make_unique<CudaBuffer>(bytes);
}

void CudaDevice::upload(const DTensor& dst, const void* host)
{
    activate();
    m_queue->flush();
    // Synchronised: the caller may free `host` as soon as this returns.
    check(cudaMemcpyAsync(dst.data, host, dst.bytes(), cudaMemcpyHostToDevice, m_stream), "upload");
    check(cudaStreamSynchronize(m_stream), "upload");
}

void CudaDevice::download(void* host, const DTensor& src)
{
    activate();
    m_queue->flush();
    check(cudaMemcpyAsync(host, src.data, src.bytes(), cudaMemcpyDeviceToHost, m_stream), "download");
    check(cudaStreamSynchronize(m_stream), "download");
}

void CudaDevice::matmul(const DTensor& out, const DTensor& in, const DTensor& weight)
{
    queue("matmul", {out, in, weight}, {}, in.rows <= kMaxGemvRows, [=, this] { matmulNow(out, in, weight); });
}

void CudaDevice::matmulNow(const DTensor& out, const DTensor& in, const DTensor& weight)
{
    if (in.rows <= kMaxGemvRows) return gemv(m_stream, out, in, weight);
    // cuBLAS is column-major: out[T,O]ᵀ = W[O,I] · in[T,I]ᵀ, i.e. op(A) = Wᵀ read as I×O.
    const int O = int(out.cols), T = int(in.rows), I = int(in.cols);
    const float *one = m_constants + 1, *zero = m_constants + 2;
    if (weight.dtype == DType::F32) {
        check(cublasGemmEx(m_blas, CUBLAS_OP_T, CUBLAS_OP_N, O, T, I, one, weight.data, CUDA_R_32F, I, in.data,
                           CUDA_R_32F, I, zero, out.data, CUDA_R_32F, O, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
              "matmul");
        return;
    }
    // int8 / q4: fp16 GEMMs over slices of at most kDequantElements weights decoded to fp16
    // behind the rounded activations in the same scratch.
    const bool quantized = isQuantized(weight.dtype);
    const DType halfType = quantized ? DType::F16 : weight.dtype;
    const size_t activationBytes = (size_t(in.numel()) * 2 + 255) / 256 * 256;
    const int sliceRows = quantized ? int(std::clamp<int64_t>(kDequantElements / I / 8 * 8, 1, O)) : O; // 32-byte aligned slices of out
    auto* scratch = static_cast<char*>(halfScratch(activationBytes + (quantized ? size_t(sliceRows) * I * 2 : 0)));
    float* alpha = m_constants;
    toHalf(m_stream, scratch, in, halfType, alpha, reinterpret_cast<unsigned*>(m_constants + 3));
    check(cudaGetLastError(), "activation rounding");
    const cudaDataType type = halfType == DType::F16 ? CUDA_R_16F : CUDA_R_16BF;
    for (int o0 = 0; o0 < O; o0 += sliceRows) {
        const int rows = std::min(sliceRows, O - o0);
        const void* w = weight.data;
        if (quantized) {
            w = scratch + activationBytes;
            dequantizeRows(m_stream, scratch + activationBytes, weight, o0, rows);
            check(cudaGetLastError(), "weight decoding");
        }
        // Rows o0 .. o0 + rows of out's column-major O × T view start at out + o0, still O apart.
        check(cublasGemmEx(m_blas, CUBLAS_OP_T, CUBLAS_OP_N, rows, T, I, alpha, w, type, I, scratch, type, I, zero,
                           out.f32() + o0, CUDA_R_32F, O, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
              "matmul");
    }
}

void CudaDevice::layerNorm(const DTensor& out, const DTensor& in, const DTensor& w, const DTensor& b, float eps)
{
    groupNorm(out, in, w, b, int(in.cols), eps);
}

void CudaDevice::groupNorm(const DTensor& out, const DTensor& in, const DTensor& w, const DTensor& b, int groupSize,
                           float eps)
{
    queue("group norm", {out, in, w, b}, {groupSize, std::bit_cast<int32_t>(eps)}, true,
          [=, this] { cuda::groupNorm(m_stream, out, in, w, b, groupSize, eps); });
}

void CudaDevice::tokenShift(const DTensor& out, const DTensor& in, const DTensor& prev)
{
    queue("token shift", {out, in, prev}, {}, true, [=, this] { cuda::tokenShift(m_stream, out, in, prev); });
}

void CudaDevice::lerp(const DTensor& out, const DTensor& a, const DTensor& b, const DTensor& t)
{
    queue("lerp", {out, a, b, t}, {}, true, [=, this] { cuda::lerp(m_stream, out, a, b, t); });
}

void CudaDevice::unary(UnaryOp op, const DTensor& out, const DTensor& in)
{
    queue("unary", {out, in}, {int64_t(op)}, true, [=, this] { cuda::unary(m_stream, op, out, in); });
}

void CudaDevice::binary(BinaryOp op, const DTensor& out, const DTensor& a, const DTensor& b)
{
    queue("binary", {out, a, b}, {int64_t(op)}, true, [=, this] { cuda::binary(m_stream, op, out, a, b); });
}

void CudaDevice::wkv4(const DTensor& y, const DTensor& state, const DTensor& w, const DTensor& u, const DTensor& k,
                      const DTensor& v)
{
    queue("wkv4", {y, state, w, u, k, v}, {}, true, [=, this] { cuda::wkv4(m_stream, y, state, w, u, k, v); });
}

void CudaDevice::wkv5(const DTensor& y, const DTensor& state, const DTensor& r, const DTensor& w, const DTensor& k,
                      const DTensor& v, const DTensor& u, int headSize)
{
    requireHeadSize(headSize, kMaxWkvHeadSize, "wkv5");
    queue("wkv5", {y, state, r, w, k, v, u}, {headSize}, true,
          [=, this] { cuda::wkv5(m_stream, y, state, r, w, k, v, u, headSize); });
}

void CudaDevice::rwkv7KeyPrep(const DTensor& k, const DTensor& alpha, const DTensor& beta, const DTensor& a,
                              const DTensor& kK, const DTensor& kA, int headSize)
{
    requireHeadSize(headSize, kMaxHeadSize, "rwkv7 key preparation");
    queue("rwkv7 key preparation", {k, alpha, beta, a, kK, kA}, {headSize}, true,
          [=, this] { cuda::rwkv7KeyPrep(m_stream, k, alpha, beta, a, kK, kA, headSize); });
}

void CudaDevice::wkv7(const DTensor& y, const DTensor& state, const DTensor& r, const DTensor& w, const DTensor& k,
                      const DTensor& v, const DTensor& alpha, const DTensor& beta, int headSize)
{
    requireHeadSize(headSize, kMaxWkvHeadSize, "wkv7");
    queue("wkv7", {y, state, r, w, k, v, alpha, beta}, {headSize}, true,
          [=, this] { cuda::wkv7(m_stream, y, state, r, w, k, v, alpha, beta, headSize); });
}

void CudaDevice::rwkv7Bonus(const DTensor& o, const DTensor& r, const DTensor& k, const DTensor& v, const DTensor& rK,
                            int headSize)
{
    requireHeadSize(headSize, kMaxHeadSize, "rwkv7 bonus");
    queue("rwkv7 bonus", {o, r, k, v, rK}, {headSize}, true,
          [=, this] { cuda::rwkv7Bonus(m_stream, o, r, k, v, rK, headSize); });
}

} // namespace rwkv::cuda
