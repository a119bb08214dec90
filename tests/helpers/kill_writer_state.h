#pragma once
// The states the SIGKILL test's writer process saves: a small RWKV-7 shape (270 KB, random
// so it does not compress) filled deterministically from the snapshot's name, so the test
// can check every byte of whatever was committed.
#include "core/state.h"

#include <random>
#include <string>

namespace rwkv::test {

inline ModelConfig killWriterConfig()
{
    ModelConfig c;
    c.generation = Generation::X070;
    c.nLayer = 4;
    c.nEmbd = 256;
    c.nHead = 4;
    c.headSize = 64;
    c.nFfn = 1024;
    c.vocab = 65536;
    return c;
}

inline Fingerprint killWriterFingerprint()
{
    Fingerprint fp{};
    for (size_t i = 0; i < fp.size(); ++i) fp[i] = uint8_t(0xA0 + i);
    return fp;
}

inline State killWriterState(const std::string& name)
{
    State s(killWriterConfig(), killWriterFingerprint());
    std::mt19937 rng(uint32_t(std::hash<std::string>{}(name)));
    std::normal_distribution<float> dist(0.0f, 1.0f);
    for (float& x : s.data()) x = dist(rng);
    return s;
}

} // namespace rwkv::test
