#pragma once
// The closed set of kernels a backend implements (design.md properties 2, 3, 5). The model
// files in core/models/ are written against this interface only; core/ never includes a
// backend header. Activations are fp32 row-major matrices [rows × cols]; weights may be
// fp32, fp16, bf16 or block-quantized Q8 / Q4 (core/quantize.h; where Device::supportsWeights
// says so). A tensor with rows == 1 broadcasts over the rows of the others where a kernel says so.
// The recurrent kernels (tokenShift, wkv4/5/7) run B independent sequences of T tokens each:
// their activations hold B·T rows, sequence after sequence, and their state tensor holds the B
// sequences' states one after another (B is read from the state's rows; B = 1 is one sequence).
#include "core/dtype.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace rwkv {

// A view of device memory; data is a host pointer on the CPU backend and a device address
// on GPU backends (so views into one buffer are plain pointer arithmetic everywhere).
struct DTensor {
    void* data = nullptr;
    DType dtype = DType::F32;
    int64_t rows = 0;
    int64_t cols = 0;

    int64_t numel() const { return rows * cols; }
    size_t bytes() const { return storageBytes(dtype, size_t(numel())); }
    float* f32() const { return static_cast<float*>(data); }
    // Rows [first, first + count) of this tensor (not of Q8 / Q4 weights, whose scales follow all rows).
    DTensor rowRange(int64_t first, int64_t count) const;
};

// Memory owned by a device; freed with the object.
class DeviceBuffer {
public:
    virtual ~DeviceBuffer() = default;
    virtual void* data() = 0;
    virtual size_t size() const = 0;
};

enum class UnaryOp {
    Tanh,
    Sigmoid,
    ReluSquare,   // max(x,0)^2
    Silu,         // x · sigmoid(x)
    Decay6,       // RWKV-6 decay: exp(-exp(x))
    Decay7,       // RWKV-7 decay: exp(-0.606531 · sigmoid(x))
};

enum class BinaryOp { Add, Mul };

// Device memory in use and the most this process may use (bytes).
struct MemoryInfo {
    uint64_t used = 0;
    uint64_t budget = 0;
};

class Device {
public:
    virtual ~Device() = default;
    // e.g. "cpu (AVX-512, 2 threads)".
    virtual std::string name() const = 0;
    // True when DTensor::data is host memory the CPU may read and write directly.
    virtual bool hostMemory() const { return false; }
    // The device's memory meter, where it has one of its own.
    virtual std::optional<MemoryInfo> memoryInfo() const { return std::nullopt; }
    // Whether matmul takes weights of this type (every backend so far: fp32, fp16, bf16, int8, q4).
    virtual bool supportsWeights(DType t) const
    {
        return t == DType::F32 || t == DType::F16 || t == DType::BF16 || isQuantized(t);
    }

    // Throws Error(OutOfMemory).
    virtual std::unique_ptr<DeviceBuffer> allocate(size_t bytes) = 0;
    virtual void upload(const DTensor& dst, const void* host) = 0;
    virtual void download(void* host, const DTensor& src) = 0;

    // out[T,O] = in[T,I] · Wᵀ with W stored [O,I] (nn.Linear layout) in any weight dtype.
    virtual void matmul(const DTensor& out, const DTensor& in, const DTensor& weight) = 0;
    // Row-wise LayerNorm, biased variance, y = (x-μ)/sqrt(σ²+eps)·w + b; w, b are 1×cols.
    virtual void layerNorm(const DTensor& out, const DTensor& in, const DTensor& w, const DTensor& b, float eps) = 0;
    // LayerNorm over each group of `groupSize` consecutive columns, then per-column w, b.
    virtual void groupNorm(const DTensor& out, const DTensor& in, const DTensor& w, const DTensor& b,
                           int groupSize, float eps) = 0;
    // Token shift per sequence b of the B = prev.rows: out row 0 = prev row b, out row t =
    // in row t-1; then prev row b = the sequence's last row of in.
    virtual void tokenShift(const DTensor& out, const DTensor& in, const DTensor& prev) = 0;
    // out = a + (b - a) ⊙ t; any operand may have 1 row (broadcast). out may alias a.
    virtual void lerp(const DTensor& out, const DTensor& a, const DTensor& b, const DTensor& t) = 0;
    virtual void unary(UnaryOp op, const DTensor& out, const DTensor& in) = 0;
    // b may have 1 row (broadcast); out may alias a.
    virtual void binary(BinaryOp op, const DTensor& out, const DTensor& a, const DTensor& b) = 0;

    // RWKV-4 WKV (rwkv-spec §3.1), per channel in the numerically stable form; state is
    // 3 rows × C (aa, bb, pp) per sequence (3B rows) updated in place; w = -exp(time_decay) and
    // u = time_first are 1×C.
    virtual void wkv4(const DTensor& y, const DTensor& state, const DTensor& w, const DTensor& u, const DTensor& k,
                      const DTensor& v) = 0;
    // RWKV-5.2/6 WKV over the T rows of each sequence; state S [H·N value rows][N key cols] fp32
    // per sequence (B·H·N rows), in place:
    // y_j = Σ_i r_i (u_i k_i v_j + S[j][i]);  S[j][i] ← S[j][i]·w_i + k_i v_j.
    // w has 1 row (5.2, constant decay) or B·T rows (6); u is 1×C.
    virtual void wkv5(const DTensor& y, const DTensor& state, const DTensor& r, const DTensor& w, const DTensor& k,
                      const DTensor& v, const DTensor& u, int headSize) = 0;

    // RWKV-7 key preparation, per head of N columns (κ = l2normalise(k ⊙ kK), eps 1e-12):
    // alpha = -κ; beta = κ ⊙ a; k ← k ⊙ (1 + (a - 1) ⊙ kA). kK, kA are 1×C.
    virtual void rwkv7KeyPrep(const DTensor& k, const DTensor& alpha, const DTensor& beta, const DTensor& a,
                              const DTensor& kK, const DTensor& kA, int headSize) = 0;
    // RWKV-7 WKV recurrence over the T rows of each sequence; state is S [H·N value rows][N key
    // cols] fp32 per sequence (B·H·N rows), updated in place: S ← S·diag(w) + (S·alpha)·betaᵀ + v·kᵀ;  y = S·r.
    virtual void wkv7(const DTensor& y, const DTensor& state, const DTensor& r, const DTensor& w, const DTensor& k,
                      const DTensor& v, const DTensor& alpha, const DTensor& beta, int headSize) = 0;
    // RWKV-7 bonus, per head: o += (Σ_n r·k·rK) · v. rK is 1×C.
    virtual void rwkv7Bonus(const DTensor& o, const DTensor& r, const DTensor& k, const DTensor& v,
                            const DTensor& rK, int headSize) = 0;
};

} // namespace rwkv
