#include "backends/strategy_devices.h"

#include "backends/registry.h"

#include <map>
#include <string>

namespace rwkv {

StrategyDevices createStrategyDevices(const Strategy& strategy, int threads)
{
    StrategyDevices out;
    std::map<std::string, Device*> byId;
    for (const StrategyStage& s : strategy.stages) {
        Device*& device = byId[s.device];
        if (!device) {
            out.devices.push_back(createDevice(s.device, threads));
            device = out.devices.back().get();
        }
        out.stages.push_back({device, s.precision, s.layers});
    }
    return out;
}

} // namespace rwkv
