#include "core/strategy_choices.h"

#include "core/utf8_path.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace rwkv {

namespace {

nlohmann::json readChoices(const std::filesystem::path& file)
{
    std::ifstream in(file, std::ios::binary);
    if (!in) return nlohmann::json::object();
    std::stringstream text;
    text << in.rdbuf();
    nlohmann::json j = nlohmann::json::parse(text.str(), nullptr, false);
    return j.is_object() ? j : nlohmann::json::object();
}

} // namespace

std::string choiceKey(const std::filesystem::path& model, std::span<const DeviceOffer> offers)
{
    std::error_code ec;
    const auto size = std::filesystem::file_size(model, ec);
    std::string key = pathToUtf8(model.filename()) + " (" + std::to_string(ec ? 0 : size) + " bytes) on";
    for (const DeviceOffer& o : offers) key += " " + o.id + " = " + o.name + ";";
    return key;
}

std::optional<StrategyChoice> findStrategyChoice(const std::filesystem::path& file, const std::string& key)
{
    const nlohmann::json all = readChoices(file);
    const auto it = all.find(key);
    if (it == all.end() || !it->is_object()) return std::nullopt;
    StrategyChoice c;
    c.strategy = it->value("strategy", "");
    c.reason = it->value("reason", "");
    if (const auto m = it->find("measured"); m != it->end() && m->is_object())
        for (const auto& [strategy, speed] : m->items())
            if (speed.is_number()) c.measured[strategy] = speed.get<double>();
    if (c.strategy.empty()) return std::nullopt;
    return c;
}

bool rememberStrategyChoice(const std::filesystem::path& file, const std::string& key, const StrategyChoice& choice)
{
    nlohmann::json all = readChoices(file);
    all[key] = {{"strategy", choice.strategy}, {"reason", choice.reason}, {"measured", choice.measured}};
    std::error_code ec;
    std::filesystem::create_directories(file.parent_path(), ec);
    // A whole new file renamed over the old one: a crash leaves one or the other.
    std::filesystem::path temporary = file;
    temporary += ".tmp";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        out << all.dump(2) << "\n";
        if (!out.flush()) return false;
    }
    std::filesystem::rename(temporary, file, ec);
    return !ec;
}

} // namespace rwkv
