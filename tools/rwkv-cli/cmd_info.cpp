// rwkv-cli info / devices.
#include "backends/registry.h"
#include "core/error.h"
#include "core/strategy.h"
#include "core/utf8_path.h"
#include "core/memory_estimate.h"
#include "tools/rwkv-cli/commands.h"
#include "tools/rwkv-cli/model_setup.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <string>

namespace rwkv::cli {

namespace {

// "120.0 MiB used of 80.0 GiB", the device's own meter.
std::string memoryText(const MemoryInfo& m)
{
    char text[96];
    std::snprintf(text, sizeof text, "%.1f MiB used of %.1f MiB", double(m.used) / (1 << 20), double(m.budget) / (1 << 20));
    return text;
}

} // namespace

int runInfo(Args& args)
{
    const bool json = args.flag("json");
    LoadedModel m = loadModel(args);
    args.finish();
    const ModelConfig& c = m.model->config();
    const std::string fp = fingerprintHex(m.model->fingerprint());
    if (json) {
        nlohmann::json j = {
            {"file", pathToUtf8(m.path)}, {"generation", generationId(c.generation)}, {"name", generationName(c.generation)},
            {"layers", c.nLayer}, {"width", c.nEmbd}, {"heads", c.nHead}, {"head_size", c.headSize},
            {"ffn", c.nFfn}, {"vocab", c.vocab}, {"parameters", c.paramCount}, {"state_bytes", c.stateBytes()},
            {"fingerprint", fp}, {"tokenizer", m.tokenizer ? std::string(m.tokenizer->name()) : "none"},
            {"strategy", m.strategy.text()}, {"placement", m.model->placement()},
            {"weight_bytes", m.model->weightBytes()}};
        for (const char* p : kPrecisionNames) j["estimated_weight_bytes"][p] = estimatedWeightBytes(c, parsePrecision(p));
        if (const auto kernels = cpuKernelSummary(m)) j["cpu_kernels"] = *kernels;
        for (const auto& device : m.devices.devices)
            if (const auto mem = device->memoryInfo())
                j["device_memory"].push_back(
                    {{"device", device->name()}, {"used_bytes", mem->used}, {"budget_bytes", mem->budget}});
        std::cout << j.dump() << "\n";
        return 0;
    }
    std::printf("file         %s\n", pathToUtf8(m.path).c_str());
    std::printf("generation   %s (%s)\n", std::string(generationName(c.generation)).c_str(),
                std::string(generationId(c.generation)).c_str());
    std::printf("layers       %d\nwidth        %d\nheads        %d x %d\nffn          %d\nvocab        %d\n", c.nLayer,
                c.nEmbd, c.nHead, c.headSize, c.nFfn, c.vocab);
    if (c.generation == Generation::X070)
        std::printf("lora ranks   decay %d, iclr %d, value %d, gate %d\n", c.loraDecay, c.loraIclr, c.loraValue, c.loraGate);
    std::printf("parameters   %lld (%.1f M)\n", static_cast<long long>(c.paramCount), double(c.paramCount) / 1e6);
    std::printf("state        %lld bytes (%.2f MiB, fp32)\n", static_cast<long long>(c.stateBytes()),
                double(c.stateBytes()) / (1 << 20));
    std::printf("tokenizer    %s\n", m.tokenizer ? std::string(m.tokenizer->name()).c_str() : "none (token ids only)");
    std::printf("fingerprint  %s\n", fp.c_str());
    std::printf("weights at   ");
    for (const char* p : kPrecisionNames)
        std::printf("%s%s ≈ %.1f MiB", p == kPrecisionNames[0] ? "" : ", ", p, double(estimatedWeightBytes(c, parsePrecision(p))) / (1 << 20));
    std::printf(" (estimates)\n");
    std::printf("strategy     %s, %.1f MiB of weights", m.strategy.text().c_str(), double(m.model->weightBytes()) / (1 << 20));
    if (const size_t mapped = m.model->mappedWeightBytes())
        std::printf(" (%.1f MiB of them used in place from the file)", double(mapped) / (1 << 20));
    std::printf("\nplacement    %s\n", m.model->placement().c_str());
    if (const auto kernels = cpuKernelSummary(m)) std::printf("cpu kernels  %s\n", kernels->c_str());
    for (const auto& device : m.devices.devices)
        if (const auto mem = device->memoryInfo())
            std::printf("memory       %s: %s\n", device->name().c_str(), memoryText(*mem).c_str());
    return 0;
}

int runDevices(Args& args)
{
    args.finish();
    for (const DeviceInfo& d : listDevices()) {
        std::string text = d.description;
        if (d.available && d.id != "cpu") {
            try {
                if (const auto mem = createDevice(d.id)->memoryInfo()) text += ", " + memoryText(*mem);
            } catch (const Error& e) {
                text += " (opening it failed: " + std::string(e.what()) + ")";
            }
        }
        std::printf("%-10s %-11s %s\n", d.id.c_str(), d.available ? "available" : "unavailable", text.c_str());
    }
    return 0;
}

} // namespace rwkv::cli
