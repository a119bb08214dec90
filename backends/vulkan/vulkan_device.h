#pragma once
// The Vulkan backend: fp32 math on fp32, fp16, bf16, int8 or q4 weights, on any Vulkan 1.2 adapter
// with buffer device addresses and 16-bit storage.
//
// DTensor::data is the buffer device address of device-local memory, so views into a
// buffer are pointer arithmetic as on the CPU and shaders take plain addresses in push
// constants (no descriptor sets). Kernels are recorded into one command buffer, with a
// memory barrier only before a command that touches memory an earlier command since the
// last barrier wrote (or writes what it read); work is submitted only when the host needs a result
// (download), the staging buffer is full, or a buffer is freed. Uploads go through a
// host-visible staging buffer recorded in the same stream, so order is preserved.
#include "backends/vulkan/hazards.h"
#include "backends/vulkan/shaders.h"
#include "backends/vulkan/vulkan_context.h"
#include "core/device.h"

#include <initializer_list>
#include <map>
#include <utility>

namespace rwkv::vulkan {

class VulkanDevice final : public Device {
public:
    // Opens adapter `index`. Throws Error(InvalidArgument) when there is no such adapter and
    // Error(Unsupported) with the reason when the kernels cannot run on it.
    explicit VulkanDevice(int index);
    ~VulkanDevice() override;
    VulkanDevice(const VulkanDevice&) = delete;
    VulkanDevice& operator=(const VulkanDevice&) = delete;

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

    // Submits everything recorded and waits for it (timing, teardown).
    void finish();
    // Frees the allocation at `address` once the work using it is done (DeviceBuffer's destructor).
    void release(uint64_t address);

private:
    struct Allocation {
        VkBuffer buffer = VK_NULL_HANDLE;
        VkDeviceMemory memory = VK_NULL_HANDLE;
        size_t size = 0;
    };

    // Specialisation constants 0 and 1 of a shader (unused ones are ignored).
    using Spec = std::pair<uint32_t, uint32_t>;

    // Records one kernel: `groups` workgroups of `shader` specialised with `spec`, which reads
    // the tensors `reads` and writes `writes` (an in-place operand is in both).
    template <class Push>
    void dispatch(Shader shader, Spec spec, const Push& push, uint64_t groups, std::initializer_list<DTensor> reads,
                  std::initializer_list<DTensor> writes)
    {
        std::vector<AddressRange> r, w;
        for (const DTensor& t : reads) r.push_back(range(t));
        for (const DTensor& t : writes) w.push_back(range(t));
        access(r, w);
        dispatchRaw(shader, spec, &push, uint32_t(sizeof(Push)), groups);
    }
    void dispatchRaw(Shader shader, Spec spec, const void* push, uint32_t pushBytes, uint64_t groups);
    static AddressRange range(const DTensor& t);
    // Starts recording if needed and records a barrier if this access depends on pending work.
    void access(const std::vector<AddressRange>& reads, const std::vector<AddressRange>& writes);
    VkPipeline pipeline(Shader shader, Spec spec);
    Allocation createBuffer(size_t bytes, VkBufferUsageFlags usage, uint32_t memoryType, bool deviceAddress);
    // The buffer holding [address, address + bytes) and the offset of address in it.
    std::pair<VkBuffer, VkDeviceSize> locate(const void* address, size_t bytes) const;
    void record();
    void barrier(VkPipelineStageFlags dstStage, VkAccessFlags dstAccess);
    void createLogicalDevice(uint32_t family, bool budgetExtension);
    // Frees everything created so far (destructor, failed constructor).
    void destroy() noexcept;
    void chooseMemoryTypes();

    Instance m_instance;
    VkPhysicalDevice m_physical = VK_NULL_HANDLE;
    VkDevice m_device = VK_NULL_HANDLE;
    VkQueue m_queue = VK_NULL_HANDLE;
    VkCommandPool m_commandPool = VK_NULL_HANDLE;
    VkCommandBuffer m_commands = VK_NULL_HANDLE;
    VkFence m_fence = VK_NULL_HANDLE;
    VkPipelineLayout m_layout = VK_NULL_HANDLE;
    bool m_recording = false;
    HazardTracker m_hazards;
    VkPipeline m_bound = VK_NULL_HANDLE;
    std::map<Shader, VkShaderModule> m_modules;
    std::map<std::pair<Shader, Spec>, VkPipeline> m_pipelines;

    std::map<uint64_t, Allocation> m_allocations; // by device address
    uint32_t m_deviceType = 0, m_hostType = 0;      // memory type indices
    uint32_t m_deviceHeap = 0;
    uint32_t m_subgroupSize = 32;
    bool m_hasBudget = false;
    uint64_t m_allocatedBytes = 0;

    Allocation m_staging;
    char* m_stagingMap = nullptr;
    size_t m_stagingUsed = 0;

    std::string m_name;
};

} // namespace rwkv::vulkan
