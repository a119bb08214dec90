#pragma once
// The automatic strategy's measurements, remembered per model and set of devices so that only
// a model's first load on a machine measures (a JSON file in the user's data folder). A file
// that cannot be read or parsed counts as empty; one that cannot be written costs a new
// measurement next time, nothing else.
#include "core/auto_strategy.h"

#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>

namespace rwkv {

struct StrategyChoice {
    std::string strategy;                  // the pick, as Strategy::text()
    std::string reason;                    // why, in words
    std::map<std::string, double> measured; // decode tokens/s of each candidate tried
};

// The key of a model file on a set of devices: the file's name and size, and each device's id
// and name (a new driver or another GPU measures again; free memory does not count).
std::string choiceKey(const std::filesystem::path& model, std::span<const DeviceOffer> offers);

std::optional<StrategyChoice> findStrategyChoice(const std::filesystem::path& file, const std::string& key);
// Adds or replaces the choice of `key`; returns false when the file could not be written.
bool rememberStrategyChoice(const std::filesystem::path& file, const std::string& key, const StrategyChoice& choice);

} // namespace rwkv
