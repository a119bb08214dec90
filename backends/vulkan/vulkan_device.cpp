// VulkanDevice: adapter, memory, command stream and pipelines. The kernels are in
// vulkan_kernels.cpp.
#include "backends/vulkan/vulkan_device.h"

#include "core/error.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

namespace rwkv::vulkan {

namespace {

constexpr size_t kStagingBytes = size_t(32) << 20;
constexpr uint32_t kPushBytes = 128; // the minimum every Vulkan device guarantees
constexpr uint32_t kMaxGroupsX = 65535;

class VulkanBuffer final : public DeviceBuffer {
public:
    VulkanBuffer(VulkanDevice& device, uint64_t address, size_t size) : m_device(device), m_address(address), m_size(size)
    {
    }
    ~VulkanBuffer() override { m_device.release(m_address); }
    void* data() override { return reinterpret_cast<void*>(m_address); }
    size_t size() const override { return m_size; }

private:
    VulkanDevice& m_device;
    uint64_t m_address;
    size_t m_size;
};

bool hasExtension(VkPhysicalDevice physical, const char* name)
{
    uint32_t count = 0;
    vkEnumerateDeviceExtensionProperties(physical, nullptr, &count, nullptr);
    std::vector<VkExtensionProperties> list(count);
    vkEnumerateDeviceExtensionProperties(physical, nullptr, &count, list.data());
    return std::any_of(list.begin(), list.end(), [&](const auto& e) { return std::strcmp(e.extensionName, name) == 0; });
}

} // namespace

VulkanDevice::VulkanDevice(int index)
{
    const std::vector<VkPhysicalDevice> adapters = m_instance.adapters();
    if (index < 0 || size_t(index) >= adapters.size())
        throw Error(ErrorCode::InvalidArgument, "no Vulkan device vulkan:" + std::to_string(index) + " (this machine has "
                                                    + std::to_string(adapters.size()) + ")");
    m_physical = adapters[size_t(index)];
    const AdapterInfo info = describeAdapter(m_physical);
    if (!info.reason.empty()) throw Error(ErrorCode::Unsupported, info.name + ": " + info.reason);
    m_name = "vulkan:" + std::to_string(index) + " " + info.name;
    m_subgroupSize = std::max<uint32_t>(1, info.subgroupSize);

    uint32_t familyCount = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(m_physical, &familyCount, nullptr);
    std::vector<VkQueueFamilyProperties> families(familyCount);
    vkGetPhysicalDeviceQueueFamilyProperties(m_physical, &familyCount, families.data());
    const auto compute = std::find_if(families.begin(), families.end(),
                                      [](const auto& f) { return f.queueFlags & VK_QUEUE_COMPUTE_BIT; });
    if (compute == families.end()) throw Error(ErrorCode::Unsupported, info.name + ": no compute queue");
    m_hasBudget = hasExtension(m_physical, VK_EXT_MEMORY_BUDGET_EXTENSION_NAME);
    try {
        createLogicalDevice(uint32_t(compute - families.begin()), m_hasBudget);
        chooseMemoryTypes();
        m_staging = createBuffer(kStagingBytes, VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT,
                                 m_hostType, false);
        void* mapped = nullptr;
        check(vkMapMemory(m_device, m_staging.memory, 0, VK_WHOLE_SIZE, 0, &mapped), "vkMapMemory");
        m_stagingMap = static_cast<char*>(mapped);
    } catch (...) {
        destroy(); // the destructor does not run for a constructor that throws
        throw;
    }
}

void VulkanDevice::createLogicalDevice(uint32_t family, bool budgetExtension)
{
    const float priority = 1.0f;
    VkDeviceQueueCreateInfo queue{};
    queue.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO;
    queue.queueFamilyIndex = family;
    queue.queueCount = 1;
    queue.pQueuePriorities = &priority;
    VkPhysicalDeviceVulkan11Features f11{};
    f11.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES;
    f11.storageBuffer16BitAccess = VK_TRUE;
    VkPhysicalDeviceVulkan12Features f12{};
    f12.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES;
    f12.bufferDeviceAddress = VK_TRUE;
    f11.pNext = &f12;
    const char* extensions[] = {VK_EXT_MEMORY_BUDGET_EXTENSION_NAME};
    VkDeviceCreateInfo info{};
    info.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO;
    info.pNext = &f11;
    info.queueCreateInfoCount = 1;
    info.pQueueCreateInfos = &queue;
    info.enabledExtensionCount = budgetExtension ? 1 : 0;
    info.ppEnabledExtensionNames = extensions;
    check(vkCreateDevice(m_physical, &info, nullptr, &m_device), "vkCreateDevice");
    vkGetDeviceQueue(m_device, family, 0, &m_queue);

    VkCommandPoolCreateInfo pool{};
    pool.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO;
    pool.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
    pool.queueFamilyIndex = family;
    check(vkCreateCommandPool(m_device, &pool, nullptr, &m_commandPool), "vkCreateCommandPool");
    VkCommandBufferAllocateInfo alloc{};
    alloc.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO;
    alloc.commandPool = m_commandPool;
    alloc.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    alloc.commandBufferCount = 1;
    check(vkAllocateCommandBuffers(m_device, &alloc, &m_commands), "vkAllocateCommandBuffers");
    VkFenceCreateInfo fence{};
    fence.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO;
    check(vkCreateFence(m_device, &fence, nullptr, &m_fence), "vkCreateFence");

    VkPushConstantRange range{VK_SHADER_STAGE_COMPUTE_BIT, 0, kPushBytes};
    VkPipelineLayoutCreateInfo layout{};
    layout.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO;
    layout.pushConstantRangeCount = 1;
    layout.pPushConstantRanges = &range;
    check(vkCreatePipelineLayout(m_device, &layout, nullptr, &m_layout), "vkCreatePipelineLayout");
}

void VulkanDevice::chooseMemoryTypes()
{
    VkPhysicalDeviceMemoryProperties mem;
    vkGetPhysicalDeviceMemoryProperties(m_physical, &mem);
    // Device-local for tensors; host-visible + coherent for staging (cached when offered,
    // since downloads read it back).
    auto find = [&](VkMemoryPropertyFlags want, VkMemoryPropertyFlags prefer) -> int {
        int fallback = -1;
        for (uint32_t i = 0; i < mem.memoryTypeCount; ++i) {
            const VkMemoryPropertyFlags f = mem.memoryTypes[i].propertyFlags;
            if ((f & want) != want) continue;
            if ((f & prefer) == prefer) return int(i);
            if (fallback < 0) fallback = int(i);
        }
        return fallback;
    };
    const int device = find(VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, 0);
    const int host = find(VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT,
                          VK_MEMORY_PROPERTY_HOST_CACHED_BIT);
    if (device < 0 || host < 0) throw Error(ErrorCode::Unsupported, m_name + ": no usable memory types");
    m_deviceType = uint32_t(device);
    m_hostType = uint32_t(host);
    m_deviceHeap = mem.memoryTypes[m_deviceType].heapIndex;
}

VulkanDevice::~VulkanDevice() { destroy(); }

void VulkanDevice::destroy() noexcept
{
    if (m_device == VK_NULL_HANDLE) return;
    vkDeviceWaitIdle(m_device);
    for (auto& [address, a] : m_allocations) {
        vkDestroyBuffer(m_device, a.buffer, nullptr);
        vkFreeMemory(m_device, a.memory, nullptr);
    }
    vkDestroyBuffer(m_device, m_staging.buffer, nullptr);
    vkFreeMemory(m_device, m_staging.memory, nullptr);
    for (auto& [key, p] : m_pipelines) vkDestroyPipeline(m_device, p, nullptr);
    for (auto& [key, m] : m_modules) vkDestroyShaderModule(m_device, m, nullptr);
    vkDestroyPipelineLayout(m_device, m_layout, nullptr);
    vkDestroyFence(m_device, m_fence, nullptr);
    vkDestroyCommandPool(m_device, m_commandPool, nullptr);
    vkDestroyDevice(m_device, nullptr);
    m_device = VK_NULL_HANDLE;
}

std::optional<MemoryInfo> VulkanDevice::memoryInfo() const
{
    VkPhysicalDeviceMemoryBudgetPropertiesEXT budget{};
    budget.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_BUDGET_PROPERTIES_EXT;
    VkPhysicalDeviceMemoryProperties2 props{};
    props.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_PROPERTIES_2;
    if (m_hasBudget) props.pNext = &budget;
    vkGetPhysicalDeviceMemoryProperties2(m_physical, &props);
    if (m_hasBudget && budget.heapBudget[m_deviceHeap] > 0)
        return MemoryInfo{budget.heapUsage[m_deviceHeap], budget.heapBudget[m_deviceHeap]};
    // Without VK_EXT_memory_budget: what this device allocated, out of the whole heap.
    return MemoryInfo{m_allocatedBytes, props.memoryProperties.memoryHeaps[m_deviceHeap].size};
}

VulkanDevice::Allocation VulkanDevice::createBuffer(size_t bytes, VkBufferUsageFlags usage, uint32_t memoryType,
                                                    bool deviceAddress)
{
    Allocation a;
    a.size = bytes;
    VkBufferCreateInfo info{};
    info.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO;
    info.size = bytes;
    info.usage = usage;
    info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
    check(vkCreateBuffer(m_device, &info, nullptr, &a.buffer), "vkCreateBuffer");
    VkMemoryRequirements req;
    vkGetBufferMemoryRequirements(m_device, a.buffer, &req);
    VkMemoryAllocateFlagsInfo flags{};
    flags.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_FLAGS_INFO;
    flags.flags = VK_MEMORY_ALLOCATE_DEVICE_ADDRESS_BIT;
    VkMemoryAllocateInfo alloc{};
    alloc.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO;
    alloc.pNext = deviceAddress ? &flags : nullptr;
    alloc.allocationSize = req.size;
    alloc.memoryTypeIndex = memoryType;
    const VkResult r = vkAllocateMemory(m_device, &alloc, nullptr, &a.memory);
    if (r != VK_SUCCESS) {
        vkDestroyBuffer(m_device, a.buffer, nullptr);
        if (r == VK_ERROR_OUT_OF_DEVICE_MEMORY || r == VK_ERROR_OUT_OF_HOST_MEMORY)
            throw Error(ErrorCode::OutOfMemory,
                        m_name + ": out of device memory allocating " + std::to_string(bytes >> 20) + " MiB");
        check(r, "vkAllocateMemory");
    }
    check(vkBindBufferMemory(m_device, a.buffer, a.memory, 0), "vkBindBufferMemory");
    return a;
}

std::unique_ptr<DeviceBuffer> VulkanDevice::allocate(size_t bytes)
{
    const size_t size = std::max<size_t>(16, (bytes + 15) / 16 * 16);
    const Allocation a = createBuffer(size,
                                      VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT
                                          | VK_BUFFER_USAGE_TRANSFER_DST_BIT | VK_BUFFER_USAGE_SHADER_DEVICE_ADDRESS_BIT,
                                      m_deviceType, true);
    VkBufferDeviceAddressInfo info{};
    info.sType = VK_STRUCTURE_TYPE_BUFFER_DEVICE_ADDRESS_INFO;
    info.buffer = a.buffer;
    const uint64_t address = vkGetBufferDeviceAddress(m_device, &info);
    m_allocations[address] = a;
    m_allocatedBytes += size;
    return std::make_unique<VulkanBuffer>(*this, address, bytes);
}

void VulkanDevice::release(uint64_t address)
{
    const auto it = m_allocations.find(address);
    if (it == m_allocations.end()) return;
    try {
        finish(); // recorded work may still use it
    } catch (const Error&) {
        // The device is lost: nothing runs any more, so freeing is safe; destructors don't throw.
        m_recording = false;
    }
    vkDestroyBuffer(m_device, it->second.buffer, nullptr);
    vkFreeMemory(m_device, it->second.memory, nullptr);
    m_allocatedBytes -= it->second.size;
    m_allocations.erase(it);
}

std::pair<VkBuffer, VkDeviceSize> VulkanDevice::locate(const void* address, size_t bytes) const
{
    const uint64_t a = reinterpret_cast<uint64_t>(address);
    auto it = m_allocations.upper_bound(a);
    if (it == m_allocations.begin() || a + bytes > std::prev(it)->first + std::prev(it)->second.size)
        throw Error(ErrorCode::InvalidArgument, "tensor is not in memory of " + m_name);
    --it;
    return {it->second.buffer, a - it->first};
}

void VulkanDevice::record()
{
    if (m_recording) return;
    VkCommandBufferBeginInfo begin{};
    begin.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO;
    begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    check(vkBeginCommandBuffer(m_commands, &begin), "vkBeginCommandBuffer");
    m_recording = true;
    m_bound = VK_NULL_HANDLE;
    m_hazards.clear(); // everything submitted before has completed (finish waits)
}

AddressRange VulkanDevice::range(const DTensor& t)
{
    const uint64_t begin = reinterpret_cast<uint64_t>(t.data);
    return {begin, begin + t.bytes()};
}

void VulkanDevice::access(const std::vector<AddressRange>& reads, const std::vector<AddressRange>& writes)
{
    record();
    if (m_hazards.needsBarrier(reads, writes))
        barrier(VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, VK_ACCESS_MEMORY_READ_BIT | VK_ACCESS_MEMORY_WRITE_BIT);
}

void VulkanDevice::barrier(VkPipelineStageFlags dstStage, VkAccessFlags dstAccess)
{
    VkMemoryBarrier b{};
    b.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER;
    b.srcAccessMask = VK_ACCESS_MEMORY_WRITE_BIT;
    b.dstAccessMask = dstAccess;
    vkCmdPipelineBarrier(m_commands, VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, dstStage, 0, 1, &b, 0, nullptr, 0, nullptr);
}

void VulkanDevice::finish()
{
    if (!m_recording) return;
    barrier(VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
    check(vkEndCommandBuffer(m_commands), "vkEndCommandBuffer");
    m_recording = false;
    VkSubmitInfo submit{};
    submit.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO;
    submit.commandBufferCount = 1;
    submit.pCommandBuffers = &m_commands;
    check(vkQueueSubmit(m_queue, 1, &submit, m_fence), "vkQueueSubmit");
    check(vkWaitForFences(m_device, 1, &m_fence, VK_TRUE, std::numeric_limits<uint64_t>::max()), "vkWaitForFences");
    check(vkResetFences(m_device, 1, &m_fence), "vkResetFences");
    check(vkResetCommandBuffer(m_commands, 0), "vkResetCommandBuffer");
    m_stagingUsed = 0;
}

void VulkanDevice::upload(const DTensor& dst, const void* host)
{
    const auto [buffer, offset] = locate(dst.data, dst.bytes());
    const char* src = static_cast<const char*>(host);
    for (size_t done = 0, total = dst.bytes(); done < total;) {
        if (m_stagingUsed >= kStagingBytes) finish();
        const size_t n = std::min(total - done, kStagingBytes - m_stagingUsed);
        std::memcpy(m_stagingMap + m_stagingUsed, src + done, n);
        const uint64_t at = reinterpret_cast<uint64_t>(dst.data) + done;
        access({}, {{at, at + n}});
        const VkBufferCopy copy{m_stagingUsed, offset + done, n};
        vkCmdCopyBuffer(m_commands, m_staging.buffer, buffer, 1, &copy);
        m_stagingUsed += (n + 15) / 16 * 16;
        done += n;
    }
}

void VulkanDevice::download(void* host, const DTensor& src)
{
    const auto [buffer, offset] = locate(src.data, src.bytes());
    char* dst = static_cast<char*>(host);
    for (size_t done = 0, total = src.bytes(); done < total;) {
        const size_t n = std::min(total - done, kStagingBytes);
        if (kStagingBytes - m_stagingUsed < n) finish();
        const size_t at = m_stagingUsed;
        const uint64_t from = reinterpret_cast<uint64_t>(src.data) + done;
        access({{from, from + n}}, {});
        const VkBufferCopy copy{offset + done, at, n};
        vkCmdCopyBuffer(m_commands, buffer, m_staging.buffer, 1, &copy);
        finish();
        std::memcpy(dst + done, m_stagingMap + at, n);
        done += n;
    }
}

VkPipeline VulkanDevice::pipeline(Shader shader, Spec spec)
{
    const auto key = std::make_pair(shader, spec);
    if (const auto it = m_pipelines.find(key); it != m_pipelines.end()) return it->second;
    VkShaderModule& module = m_modules[shader];
    if (module == VK_NULL_HANDLE) {
        const std::span<const uint32_t> code = shaderCode(shader);
        VkShaderModuleCreateInfo info{};
        info.sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO;
        info.codeSize = code.size_bytes();
        info.pCode = code.data();
        check(vkCreateShaderModule(m_device, &info, nullptr, &module), "vkCreateShaderModule");
    }
    const uint32_t values[2] = {spec.first, spec.second};
    const VkSpecializationMapEntry entries[2] = {{0, 0, sizeof(uint32_t)}, {1, sizeof(uint32_t), sizeof(uint32_t)}};
    VkSpecializationInfo specInfo{2, entries, sizeof values, values};
    VkComputePipelineCreateInfo info{};
    info.sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO;
    info.stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
    info.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
    info.stage.module = module;
    info.stage.pName = "main";
    info.stage.pSpecializationInfo = &specInfo;
    info.layout = m_layout;
    VkPipeline p = VK_NULL_HANDLE;
    check(vkCreateComputePipelines(m_device, VK_NULL_HANDLE, 1, &info, nullptr, &p), "vkCreateComputePipelines");
    m_pipelines[key] = p;
    return p;
}

void VulkanDevice::dispatchRaw(Shader shader, Spec spec, const void* push, uint32_t pushBytes, uint64_t groups)
{
    if (groups == 0) return;
    const VkPipeline p = pipeline(shader, spec);
    record(); // dispatch() has recorded the barrier this kernel needs, if any
    if (p != m_bound) {
        vkCmdBindPipeline(m_commands, VK_PIPELINE_BIND_POINT_COMPUTE, p);
        m_bound = p;
    }
    vkCmdPushConstants(m_commands, m_layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, pushBytes, push);
    // Past 65535 workgroups the grid is 2-D; the last row may overhang, and the kernels
    // that can get such grids check their bounds.
    const uint64_t x = std::min<uint64_t>(groups, kMaxGroupsX), y = (groups + x - 1) / x;
    vkCmdDispatch(m_commands, uint32_t(x), uint32_t(y), 1);
}

} // namespace rwkv::vulkan
