#pragma once
// The base of the tests that run on one GPU device kind. Where the kind has no available
// device they skip with the registry's reason, unless the kind's RWKV_REQUIRE_* variable is
// set to a value other than 0 (the ci test preset sets RWKV_REQUIRE_VULKAN,
// tools/gpu-check.sh RWKV_REQUIRE_CUDA): then it is a failure.
#include "core/device.h"

#include <QObject>

#include <memory>

namespace rwkv::test {

struct GpuKind {
    const char* prefix; // device ids are prefix:N
    const char* label;  // for messages
    const char* requireVariable;
};

inline constexpr GpuKind kVulkan{"vulkan", "Vulkan", "RWKV_REQUIRE_VULKAN"};
inline constexpr GpuKind kCuda{"cuda", "CUDA", "RWKV_REQUIRE_CUDA"};

class GpuTest : public QObject {
    Q_OBJECT

protected:
    explicit GpuTest(GpuKind kind) : m_kind(kind) {}

    const GpuKind m_kind;
    std::unique_ptr<Device> m_gpu; // the first available device of the kind

private slots:
    void initTestCase();
};

} // namespace rwkv::test
