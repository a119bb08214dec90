#include "core/state.h"

#include "core/error.h"

#include <cstring>

namespace rwkv {

namespace {

constexpr char kMagic[8] = {'R', 'W', 'K', 'V', 'S', 'T', 'A', 'T'};
constexpr uint32_t kFormatVersion = 1;

// Fixed-size header of a serialized state; all fields little-endian.
struct SnapshotHeader {
    char magic[8];
    uint32_t formatVersion;
    uint32_t generation;
    uint32_t nLayer, nEmbd, nHead, headSize;
    uint32_t dtype; // always DType::F32 today
    uint32_t reserved;
    uint8_t fingerprint[16];
    uint64_t floatCount;
};
static_assert(sizeof(SnapshotHeader) == 64);

} // namespace

State::State(const ModelConfig& config, const Fingerprint& weights)
    : m_config(config), m_fingerprint(weights), m_data(size_t(config.stateFloatsPerLayer() * config.nLayer))
{
    reset();
}

State::State(const State& other)
    : m_config(other.m_config), m_fingerprint(other.m_fingerprint), m_data((other.sync(), other.m_data))
{
}

State& State::operator=(const State& other)
{
    if (this == &other) return *this;
    other.sync();
    m_mirror.reset();
    m_config = other.m_config;
    m_fingerprint = other.m_fingerprint;
    m_data = other.m_data;
    return *this;
}

void State::sync() const
{
    if (!m_mirror) return;
    m_mirror->readInto(m_data); // stays attached if this throws
    m_mirror.reset();
}

std::span<const float> State::data() const
{
    sync();
    return m_data;
}

std::span<float> State::data()
{
    sync();
    return m_data;
}

std::span<float> State::layer(int i)
{
    const size_t n = size_t(m_config.stateFloatsPerLayer());
    return data().subspan(size_t(i) * n, n);
}

std::span<const float> State::layer(int i) const
{
    const size_t n = size_t(m_config.stateFloatsPerLayer());
    return data().subspan(size_t(i) * n, n);
}

size_t State::offset(StatePart part, int i) const
{
    const size_t layerStart = size_t(i) * size_t(m_config.stateFloatsPerLayer()), c = size_t(m_config.nEmbd);
    switch (part) {
    case StatePart::AttShift: return layerStart;
    case StatePart::FfnShift: return layerStart + c;
    case StatePart::Wkv: return layerStart + 2 * c;
    }
    return layerStart;
}

size_t State::partSize(StatePart part) const
{
    const size_t c = size_t(m_config.nEmbd);
    return part == StatePart::Wkv ? size_t(m_config.stateFloatsPerLayer()) - 2 * c : c;
}

std::span<float> State::part(StatePart p, int i)
{
    return data().subspan(offset(p, i), partSize(p));
}

void State::reset()
{
    m_mirror.reset(); // every float is overwritten: nothing to bring home
    std::fill(m_data.begin(), m_data.end(), 0.0f);
    if (m_config.generation == Generation::X040) {
        for (int i = 0; i < m_config.nLayer; ++i) {
            auto pp = wkv(i).subspan(2 * size_t(m_config.nEmbd), size_t(m_config.nEmbd));
            std::fill(pp.begin(), pp.end(), -1e30f);
        }
    }
}

size_t State::serializedSize(const ModelConfig& config)
{
    return sizeof(SnapshotHeader) + size_t(config.stateBytes());
}

std::vector<std::byte> State::serialize() const
{
    sync();
    SnapshotHeader h{};
    std::memcpy(h.magic, kMagic, sizeof kMagic);
    h.formatVersion = kFormatVersion;
    h.generation = uint32_t(m_config.generation);
    h.nLayer = uint32_t(m_config.nLayer);
    h.nEmbd = uint32_t(m_config.nEmbd);
    h.nHead = uint32_t(m_config.nHead);
    h.headSize = uint32_t(m_config.headSize);
    h.dtype = uint32_t(DType::F32);
    std::memcpy(h.fingerprint, m_fingerprint.data(), 16);
    h.floatCount = m_data.size();
    std::vector<std::byte> out(sizeof h + m_data.size() * 4);
    std::memcpy(out.data(), &h, sizeof h);
    std::memcpy(out.data() + sizeof h, m_data.data(), m_data.size() * 4);
    return out;
}

State State::deserialize(std::span<const std::byte> bytes, const ModelConfig& config, const Fingerprint& weights)
{
    SnapshotHeader h{};
    if (bytes.size() < sizeof h) throw Error(ErrorCode::BadFile, "state snapshot is truncated (no header)");
    std::memcpy(&h, bytes.data(), sizeof h);
    if (std::memcmp(h.magic, kMagic, sizeof kMagic) != 0) throw Error(ErrorCode::BadFile, "not an RWKV state snapshot");
    if (h.formatVersion != kFormatVersion)
        throw Error(ErrorCode::Unsupported, "state snapshot format " + std::to_string(h.formatVersion) + " is not supported");
    if (h.generation != uint32_t(config.generation) || h.nLayer != uint32_t(config.nLayer)
        || h.nEmbd != uint32_t(config.nEmbd) || h.nHead != uint32_t(config.nHead)
        || h.headSize != uint32_t(config.headSize) || h.dtype != uint32_t(DType::F32))
        throw Error(ErrorCode::IncompatibleState, "state snapshot was made for another model shape");
    if (std::memcmp(h.fingerprint, weights.data(), 16) != 0)
        throw Error(ErrorCode::IncompatibleState, "state snapshot was made with other weights");
    State s(config, weights);
    if (h.floatCount != s.m_data.size() || bytes.size() != sizeof h + h.floatCount * 4)
        throw Error(ErrorCode::BadFile, "state snapshot has the wrong size");
    std::memcpy(s.m_data.data(), bytes.data() + sizeof h, s.m_data.size() * 4);
    return s;
}

} // namespace rwkv
