#include "core/auto_strategy.h"

#include "core/format_bytes.h"
#include "core/memory_estimate.h"

namespace rwkv {

namespace {

const DeviceOffer* findOffer(std::span<const DeviceOffer> offers, const std::string& id)
{
    for (const DeviceOffer& o : offers)
        if (o.id == id) return &o;
    return nullptr;
}

Strategy single(const std::string& device, DType precision) { return Strategy{{StrategyStage{device, precision, -1}}}; }

std::string freeText(const DeviceOffer& o) { return o.id + " has " + formatBytes(o.freeBytes) + " free"; }

// A GPU's widest precision for a checkpoint whose matrices are stored as fileType: fp16, or the
// type of a quantized file (wider would only spend memory on the same values).
DType gpuPrecisionFor(DType fileType)
{
    return fileType == DType::I8 || fileType == DType::U8 ? cpuPrecisionFor(fileType) : DType::F16;
}

} // namespace

bool fitsOffers(const ModelConfig& config, const Strategy& strategy, std::span<const DeviceOffer> offers)
{
    for (const DeviceMemory& m : estimateMemory(config, strategy)) {
        const DeviceOffer* o = findOffer(offers, m.device);
        if (!o || double(m.total()) > kFitShare * double(o->freeBytes)) return false;
    }
    return true;
}

DType cpuPrecisionFor(DType fileType)
{
    switch (fileType) {
    case DType::F16: return DType::F16;
    case DType::I8: return DType::Q8; // core/quantized_file.h: int8 and q4 files load as stored
    case DType::U8: return DType::Q4;
    default: return DType::BF16;
    }
}

std::vector<Candidate> automaticCandidates(const ModelConfig& config, DType fileType, std::span<const DeviceOffer> offers)
{
    std::vector<Candidate> out;
    if (offers.empty()) return out;
    const DeviceOffer& cpu = offers[0];
    // The narrower int8 and q4 only where the preferred precision does not fit.
    const DType preferred = cpuPrecisionFor(fileType);
    DType cpuPrecision = DType::F32;
    for (DType p : {preferred, DType::Q8, DType::Q4})
        if (fitsOffers(config, single(cpu.id, p), offers)) {
            cpuPrecision = p;
            break;
        }
    const bool cpuFits = cpuPrecision != DType::F32;

    for (const DeviceOffer& gpu : offers.subspan(1)) {
        const DType widest = gpuPrecisionFor(fileType);
        const Strategy whole = single(gpu.id, widest);
        if (fitsOffers(config, whole, offers)) {
            out.push_back({whole, "the whole model fits " + gpu.id + " as " + std::string(dtypeName(widest)) + " ("
                                      + freeText(gpu) + ")"});
            continue;
        }
        // Narrower: the whole model as int8 or q4, and (measured against it) fp16 layers with the rest on the CPU.
        for (DType p : {DType::Q8, DType::Q4}) {
            if (storageBytes(p, 32) >= storageBytes(widest, 32) || !fitsOffers(config, single(gpu.id, p), offers)) continue;
            out.push_back({single(gpu.id, p), "the whole model fits " + gpu.id + " as " + std::string(dtypeName(p))
                                                  + ", the widest precision that fits (" + freeText(gpu) + ")"});
            break;
        }
        if (!cpuFits) continue;
        // The most layers that fit on the GPU, the rest (and the head) on the CPU.
        for (int k = config.nLayer - 1; k >= 1; --k) {
            Strategy split{{StrategyStage{gpu.id, widest, k}, StrategyStage{cpu.id, cpuPrecision, -1}}};
            if (!fitsOffers(config, split, offers)) continue;
            out.push_back({split, std::to_string(k) + " of " + std::to_string(config.nLayer) + " layers fit " + gpu.id
                                      + " as " + std::string(dtypeName(widest)) + " (" + freeText(gpu)
                                      + "), the rest run on the cpu"});
            break;
        }
    }
    if (cpuFits) {
        const std::string precision(dtypeName(cpuPrecision));
        out.push_back({single(cpu.id, cpuPrecision),
                       cpuPrecision != preferred ? "the cpu in " + precision + ", the widest precision that fits (" + freeText(cpu) + ")"
                       : cpuPrecision == DType::BF16 && fileType != DType::BF16
                           ? "the cpu in bf16, half the bytes of the file's " + std::string(dtypeName(fileType))
                           : "the cpu in " + precision + ", the file's own type"});
    }
    return out;
}

CatalogFit catalogFit(int64_t parameters, std::span<const DeviceOffer> offers)
{
    auto room = [&](const DeviceOffer& o, DType precision) {
        return kCatalogMargin * double(storageBytes(precision, size_t(std::max<int64_t>(parameters, 0))))
               <= kFitShare * double(o.freeBytes);
    };
    for (DType p : {DType::F16, DType::Q8, DType::Q4})
        for (const DeviceOffer& o : offers)
            if (o.id != "cpu" && room(o, p)) return {o.id, p, true};
    for (const DeviceOffer& o : offers)
        if (o.id == "cpu")
            for (DType p : {DType::BF16, DType::Q8, DType::Q4})
                if (room(o, p)) return {o.id, p, true};
    return {};
}

std::string nothingFitsMessage(const ModelConfig& config, std::span<const DeviceOffer> offers)
{
    if (offers.empty()) return "no device is available";
    size_t needed = 0;
    for (const DeviceMemory& m : estimateMemory(config, single(offers[0].id, DType::Q4))) needed += m.total();
    return "the model needs " + formatBytes(int64_t(needed)) + " even as q4 on the cpu, which has "
           + formatBytes(offers[0].freeBytes) + " free";
}

} // namespace rwkv
