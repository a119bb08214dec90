#pragma once
// Opens the devices a strategy names and plans its stages for Model::load; shared by the CLI
// and the app so both accept the same strategies, layer splits included.
#include "core/model.h"
#include "core/strategy.h"

#include <memory>
#include <vector>

namespace rwkv {

struct StrategyDevices {
    std::vector<std::unique_ptr<Device>> devices; // one per distinct device id
    std::vector<StagePlan> stages;                // point into devices
};

// Stages naming the same device share one Device. threads applies to the CPU backend.
// Throws as createDevice does.
StrategyDevices createStrategyDevices(const Strategy& strategy, int threads = 0);

} // namespace rwkv
