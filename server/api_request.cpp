#include "server/api_request.h"

#include "core/generation_checks.h"
#include "core/sampling_json.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>

namespace rwkv::server {

namespace {

using nlohmann::json;

// Thrown inside this file only: the first problem found, returned as an ApiError.
struct Refusal {
    ApiError error;
};

[[noreturn]] void refuse(const std::string& param, const std::string& message)
{
    throw Refusal{{400, message, "invalid_request_error", param, {}}};
}

// The value of `key`, or null when absent (clients send null for "not given").
const json& field(const json& body, const char* key)
{
    static const json kNull;
    const auto it = body.find(key);
    return it == body.end() ? kNull : *it;
}

// Ranges are checked once for every front end (checkGenerationOptions), not here.
std::optional<double> number(const json& body, const char* key)
{
    const json& v = field(body, key);
    if (v.is_null()) return std::nullopt;
    if (!v.is_number()) refuse(key, std::string("'") + key + "' must be a number");
    return v.get<double>();
}

std::optional<int64_t> integer(const json& body, const char* key, int64_t min, int64_t max)
{
    const json& v = field(body, key);
    if (v.is_null()) return std::nullopt;
    if (!v.is_number_integer()) refuse(key, std::string("'") + key + "' must be an integer");
    // The JSON parser keeps every non-negative integer unsigned (0 too), so both bounds are
    // checked on that side as well.
    const bool inRange = v.is_number_unsigned()
        ? max >= 0 && v.get<uint64_t>() <= uint64_t(max) && (min <= 0 || v.get<uint64_t>() >= uint64_t(min))
        : v.get<int64_t>() >= min && v.get<int64_t>() <= max;
    if (!inRange)
        refuse(key, std::string("'") + key + "' must be between " + std::to_string(min) + " and " + std::to_string(max));
    return v.is_number_unsigned() ? int64_t(v.get<uint64_t>()) : v.get<int64_t>();
}

// An integer setting as the int it is stored in; out-of-int values stay out of every range.
int clampToInt(int64_t x) { return int(std::clamp<int64_t>(x, INT32_MIN, INT32_MAX)); }

bool boolean(const json& body, const char* key, bool fallback)
{
    const json& v = field(body, key);
    if (v.is_null()) return fallback;
    if (!v.is_boolean()) refuse(key, std::string("'") + key + "' must be a boolean");
    return v.get<bool>();
}

// Message content: a string, or a list of {"type": "text", "text": ...} parts.
std::string contentText(const json& content, const std::string& param)
{
    if (content.is_null()) return {};
    if (content.is_string()) return content.get<std::string>();
    if (!content.is_array()) refuse(param, "'" + param + "' must be a string or a list of text parts");
    std::string text;
    for (const json& part : content) {
        if (!part.is_object() || field(part, "type") != "text" || !field(part, "text").is_string())
            refuse(param, "'" + param + "' may only hold parts {\"type\": \"text\", \"text\": ...}");
        text += part.at("text").get<std::string>();
    }
    return text;
}

std::vector<ChatMessage> messages(const json& body)
{
    const json& list = field(body, "messages");
    if (list.is_null()) refuse("messages", "'messages' is required");
    if (!list.is_array() || list.empty()) refuse("messages", "'messages' must be a non-empty list");
    std::vector<ChatMessage> out;
    for (size_t i = 0; i < list.size(); ++i) {
        const std::string param = "messages[" + std::to_string(i) + "]";
        const json& m = list[i];
        if (!m.is_object()) refuse(param, "'" + param + "' must be an object");
        const json& role = field(m, "role");
        if (!role.is_string()) refuse(param + ".role", "'" + param + ".role' must be a string");
        const std::string r = role.get<std::string>();
        ChatMessage message;
        if (r == "system" || r == "developer")
            message.role = ChatRole::System;
        else if (r == "user")
            message.role = ChatRole::User;
        else if (r == "assistant")
            message.role = ChatRole::Assistant;
        else
            refuse(param + ".role", "role '" + r + "' is not supported (system, developer, user, assistant)");
        message.text = contentText(field(m, "content"), param + ".content");
        out.push_back(std::move(message));
    }
    return out;
}

std::string prompt(const json& body)
{
    const json& p = field(body, "prompt");
    if (p.is_null()) refuse("prompt", "'prompt' is required");
    std::string text;
    if (p.is_string())
        text = p.get<std::string>();
    else if (p.is_array() && p.size() == 1 && p[0].is_string())
        text = p[0].get<std::string>();
    else
        refuse("prompt", "'prompt' must be a string (a list of several prompts is not supported)");
    if (const auto problem = checkPromptText(text, "prompt", false)) refuse("prompt", "'prompt' " + problem->requirement);
    return text;
}

std::vector<std::string> stops(const json& body)
{
    const json& s = field(body, "stop");
    if (s.is_null()) return {};
    if (s.is_string()) return {s.get<std::string>()};
    if (!s.is_array() || s.size() > 16) refuse("stop", "'stop' must be a string or a list of at most 16 strings");
    std::vector<std::string> out;
    for (const json& one : s) {
        if (!one.is_string()) refuse("stop", "'stop' must hold only strings");
        out.push_back(one.get<std::string>());
    }
    return out;
}

SamplingParams sampling(const json& body)
{
    // Types checked here with the parameter's name; samplingFromJson maps the names to fields.
    json checked = json::object();
    for (const char* key : {"temperature", "top_p", "presence_penalty", "frequency_penalty", "penalty_decay"})
        if (const auto x = number(body, key)) checked[key] = *x;
    if (const auto k = integer(body, "top_k", INT64_MIN, INT64_MAX)) checked["top_k"] = clampToInt(*k);
    if (const auto seed = integer(body, "seed", INT64_MIN, INT64_MAX)) checked["seed"] = uint64_t(*seed);
    SamplingParams openAi;
    openAi.topP = 1.0f;
    openAi.presencePenalty = 0.0f;
    openAi.frequencyPenalty = 0.0f;
    return samplingFromJson(checked.dump(), openAi);
}

CompletionRequest parse(Endpoint endpoint, const json& body, const RequestLimits& limits)
{
    if (!body.is_object()) refuse({}, "the request body must be a JSON object");
    CompletionRequest r;
    r.endpoint = endpoint;
    // One model is served: a request without 'model' means it.
    const json& model = field(body, "model");
    if (!model.is_null() && !model.is_string()) refuse("model", "'model' must be a string");
    r.model = model.is_null() ? limits.modelId : model.get<std::string>();
    if (r.model != limits.modelId)
        throw Refusal{{404, "The model '" + r.model + "' does not exist (this server has '" + limits.modelId + "')",
                       "invalid_request_error", "model", "model_not_found"}};
    if (endpoint == Endpoint::Chat)
        r.messages = messages(body);
    else
        r.prompt = prompt(body);
    r.choices = int(integer(body, "n", 1, limits.maxChoices).value_or(1));
    const char* limitKey = field(body, "max_completion_tokens").is_null() ? "max_tokens" : "max_completion_tokens";
    r.options.maxTokens = clampToInt(integer(body, limitKey, INT64_MIN, INT64_MAX).value_or(limits.defaultMaxTokens));
    r.options.sampling = sampling(body);
    if (const auto problem = checkGenerationOptions(r.options, limits.maxTokens)) {
        const std::string param = problem->setting == "max_tokens" ? limitKey : problem->setting;
        refuse(param, "'" + param + "' " + problem->requirement);
    }
    r.options.stopStrings = stops(body);
    r.stream = boolean(body, "stream", false);
    const json& streamOptions = field(body, "stream_options");
    if (!streamOptions.is_null()) {
        if (!streamOptions.is_object()) refuse("stream_options", "'stream_options' must be an object");
        r.includeUsage = boolean(streamOptions, "include_usage", false);
    }
    return r;
}

} // namespace

std::variant<CompletionRequest, ApiError> parseRequest(Endpoint endpoint, std::string_view body, const RequestLimits& limits)
{
    const json parsed = json::parse(body, nullptr, false);
    if (parsed.is_discarded()) return ApiError{400, "The request body is not valid JSON", "invalid_request_error", {}, {}};
    try {
        return parse(endpoint, parsed, limits);
    } catch (const Refusal& r) {
        return r.error;
    }
}

} // namespace rwkv::server
