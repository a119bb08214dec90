#include "core/sampling_json.h"

#include "core/error.h"

#include <nlohmann/json.hpp>

namespace rwkv {

std::string samplingToJson(const SamplingParams& p)
{
    nlohmann::json j = {{"temperature", p.temperature},
                        {"top_p", p.topP},
                        {"top_k", p.topK},
                        {"presence_penalty", p.presencePenalty},
                        {"frequency_penalty", p.frequencyPenalty},
                        {"penalty_decay", p.penaltyDecay},
                        {"banned_tokens", p.bannedTokens}};
    if (p.seed) j["seed"] = *p.seed;
    return j.dump();
}

SamplingParams samplingFromJson(std::string_view json, SamplingParams p)
{
    try {
        const nlohmann::json j = nlohmann::json::parse(json);
        if (!j.is_object()) throw Error(ErrorCode::BadFile, "sampling settings are not a JSON object");
        p.temperature = j.value("temperature", p.temperature);
        p.topP = j.value("top_p", p.topP);
        p.topK = j.value("top_k", p.topK);
        p.presencePenalty = j.value("presence_penalty", p.presencePenalty);
        p.frequencyPenalty = j.value("frequency_penalty", p.frequencyPenalty);
        p.penaltyDecay = j.value("penalty_decay", p.penaltyDecay);
        p.bannedTokens = j.value("banned_tokens", p.bannedTokens);
        if (j.contains("seed")) p.seed = j.at("seed").get<uint64_t>();
    } catch (const nlohmann::json::exception& e) {
        throw Error(ErrorCode::BadFile, std::string("sampling settings are not valid: ") + e.what());
    }
    return p;
}

} // namespace rwkv
