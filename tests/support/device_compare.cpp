#include "support/device_compare.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

namespace rwkv::test {

namespace {

constexpr size_t kGuardBytes = 256;
constexpr unsigned char kGuard = 0xA5;

} // namespace

namespace {

// n draws of dist from a generator seeded with seed.
template <class Dist>
std::vector<float> draws(size_t n, uint32_t seed, Dist dist)
{
    std::mt19937 gen(seed);
    std::vector<float> v(n);
    for (float& x : v) x = dist(gen);
    return v;
}

} // namespace

std::vector<float> normals(size_t n, uint32_t seed, float mean, float stddev)
{
    return draws(n, seed, std::normal_distribution<float>(mean, stddev));
}

std::vector<float> uniforms(size_t n, uint32_t seed, float lo, float hi)
{
    return draws(n, seed, std::uniform_real_distribution<float>(lo, hi));
}

double nmse(const std::vector<float>& got, const std::vector<float>& want)
{
    if (got.size() != want.size()) return std::numeric_limits<double>::infinity();
    double num = 0.0, den = 0.0;
    for (size_t i = 0; i < want.size(); ++i) {
        if (!std::isfinite(want[i]) || !std::isfinite(got[i])) {
            if (std::memcmp(&got[i], &want[i], 4) != 0) return std::numeric_limits<double>::infinity();
            continue;
        }
        const double d = double(got[i]) - want[i];
        num += d * d;
        den += double(want[i]) * want[i];
    }
    return den > 0.0 ? num / den : num;
}

Guarded::Guarded(Device& d, DType type, int64_t rows, int64_t cols, const void* init) : tensor{nullptr, type, rows, cols}
{
    std::vector<unsigned char> all(tensor.bytes() + 2 * kGuardBytes, kGuard);
    if (init) std::memcpy(all.data() + kGuardBytes, init, tensor.bytes());
    m_buffer = d.allocate(all.size());
    d.upload(DTensor{m_buffer->data(), DType::U8, 1, int64_t(all.size())}, all.data());
    tensor.data = static_cast<char*>(m_buffer->data()) + kGuardBytes;
}

std::vector<float> Guarded::read(Device& d, bool& guardsIntact) const
{
    std::vector<unsigned char> all(tensor.bytes() + 2 * kGuardBytes);
    d.download(all.data(), DTensor{m_buffer->data(), DType::U8, 1, int64_t(all.size())});
    guardsIntact = true;
    for (size_t i = 0; i < kGuardBytes; ++i)
        if (all[i] != kGuard || all[all.size() - 1 - i] != kGuard) guardsIntact = false;
    std::vector<float> out(size_t(tensor.numel()));
    std::memcpy(out.data(), all.data() + kGuardBytes, tensor.bytes());
    return out;
}

} // namespace rwkv::test
