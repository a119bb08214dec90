#include "backends/vulkan/vulkan_context.h"

#include "core/error.h"

namespace rwkv::vulkan {

void check(VkResult result, const char* what)
{
    if (result == VK_SUCCESS) return;
    const ErrorCode code = result == VK_ERROR_OUT_OF_DEVICE_MEMORY || result == VK_ERROR_OUT_OF_HOST_MEMORY
                               ? ErrorCode::OutOfMemory
                               : result == VK_ERROR_DEVICE_LOST ? ErrorCode::DeviceLost : ErrorCode::Unsupported;
    const char* why = code == ErrorCode::OutOfMemory ? ": out of memory" : "";
    throw Error(code, std::string(what) + " failed" + why + " (VkResult " + std::to_string(int(result)) + ")");
}

Instance::Instance()
{
    VkApplicationInfo app{};
    app.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO;
    app.pApplicationName = "rwkv-desktop";
    app.apiVersion = VK_API_VERSION_1_2;
    VkInstanceCreateInfo info{};
    info.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO;
    info.pApplicationInfo = &app;
    const VkResult r = vkCreateInstance(&info, nullptr, &m_instance);
    if (r != VK_SUCCESS)
        throw Error(ErrorCode::Unsupported,
                    "no usable Vulkan driver (vkCreateInstance failed, VkResult " + std::to_string(int(r)) + ")");
}

Instance::~Instance() { vkDestroyInstance(m_instance, nullptr); }

std::vector<VkPhysicalDevice> Instance::adapters() const
{
    uint32_t count = 0;
    check(vkEnumeratePhysicalDevices(m_instance, &count, nullptr), "vkEnumeratePhysicalDevices");
    std::vector<VkPhysicalDevice> out(count);
    check(vkEnumeratePhysicalDevices(m_instance, &count, out.data()), "vkEnumeratePhysicalDevices");
    out.resize(count);
    return out;
}

AdapterInfo describeAdapter(VkPhysicalDevice physical)
{
    VkPhysicalDeviceSubgroupProperties subgroup{};
    subgroup.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES;
    VkPhysicalDeviceProperties2 props{};
    props.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2;
    props.pNext = &subgroup;
    vkGetPhysicalDeviceProperties2(physical, &props);
    const uint32_t api = props.properties.apiVersion;
    AdapterInfo a;
    a.subgroupSize = subgroup.subgroupSize;
    a.name = std::string(props.properties.deviceName) + " (Vulkan " + std::to_string(VK_API_VERSION_MAJOR(api)) + "."
             + std::to_string(VK_API_VERSION_MINOR(api)) + ")";
    if (api < VK_API_VERSION_1_2) {
        a.reason = "needs Vulkan 1.2";
        return a;
    }
    VkPhysicalDeviceVulkan11Features f11{};
    f11.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES;
    VkPhysicalDeviceVulkan12Features f12{};
    f12.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES;
    f11.pNext = &f12;
    VkPhysicalDeviceFeatures2 features{};
    features.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2;
    features.pNext = &f11;
    vkGetPhysicalDeviceFeatures2(physical, &features);
    const VkSubgroupFeatureFlags needed = VK_SUBGROUP_FEATURE_BASIC_BIT | VK_SUBGROUP_FEATURE_ARITHMETIC_BIT;
    if (!f12.bufferDeviceAddress)
        a.reason = "no bufferDeviceAddress";
    else if (!f11.storageBuffer16BitAccess)
        a.reason = "no storageBuffer16BitAccess";
    else if (!(subgroup.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT) || (subgroup.supportedOperations & needed) != needed)
        a.reason = "no subgroup arithmetic in compute shaders";
    return a;
}

std::vector<AdapterInfo> listAdapters()
{
    try {
        Instance instance;
        std::vector<AdapterInfo> out;
        for (VkPhysicalDevice p : instance.adapters()) out.push_back(describeAdapter(p));
        if (out.empty()) out.push_back({"", "no Vulkan device found (the driver reports none)"});
        return out;
    } catch (const Error& e) {
        return {{"", e.what()}};
    }
}

} // namespace rwkv::vulkan
