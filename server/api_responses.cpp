#include "server/api_responses.h"

#include <nlohmann/json.hpp>

namespace rwkv::server {

namespace {

using nlohmann::json;

std::string dump(const json& j)
{
    // Replies are valid UTF-8 by construction; replacing keeps a bad byte from failing a reply.
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

json nullable(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

const char* finishReason(StopReason reason) { return reason == StopReason::MaxTokens ? "length" : "stop"; }

json usageJson(const Usage& u)
{
    return {{"prompt_tokens", u.promptTokens},
            {"completion_tokens", u.completionTokens},
            {"total_tokens", u.promptTokens + u.completionTokens},
            {"prompt_tokens_details", {{"cached_tokens", u.cachedTokens}}}};
}

json envelope(const ResponseMeta& meta, bool chunk)
{
    const bool chat = meta.endpoint == Endpoint::Chat;
    return {{"id", meta.id},
            {"object", chat ? (chunk ? "chat.completion.chunk" : "chat.completion") : "text_completion"},
            {"created", meta.created},
            {"model", meta.model},
            {"system_fingerprint", nullptr}};
}

// One choice of a chunk: chat carries a delta, completions the text.
json chunkChoice(const ResponseMeta& meta, int index, const json& delta, std::string_view text, const json& finish)
{
    if (meta.endpoint == Endpoint::Chat)
        return {{"index", index}, {"delta", delta}, {"logprobs", nullptr}, {"finish_reason", finish}};
    return {{"index", index}, {"text", text}, {"logprobs", nullptr}, {"finish_reason", finish}};
}

std::string event(const json& j) { return "data: " + dump(j) + "\n\n"; }

} // namespace

std::string errorBody(const ApiError& e)
{
    return dump({{"error", {{"message", e.message}, {"type", e.type}, {"param", nullable(e.param)}, {"code", nullable(e.code)}}}});
}

std::string modelBody(const std::string& modelId, int64_t created)
{
    return dump({{"id", modelId}, {"object", "model"}, {"created", created}, {"owned_by", "rwkv-desktop"}});
}

std::string modelsBody(const std::string& modelId, int64_t created)
{
    return dump({{"object", "list"}, {"data", json::array({json::parse(modelBody(modelId, created))})}});
}

std::string completionBody(const ResponseMeta& meta, const Completion& c)
{
    json j = envelope(meta, false);
    j["choices"] = json::array();
    for (size_t i = 0; i < c.choices.size(); ++i) {
        const Choice& choice = c.choices[i];
        if (meta.endpoint == Endpoint::Chat)
            j["choices"].push_back({{"index", i},
                                    {"message", {{"role", "assistant"}, {"content", choice.text}, {"refusal", nullptr}}},
                                    {"logprobs", nullptr},
                                    {"finish_reason", finishReason(choice.reason)}});
        else
            j["choices"].push_back(
                {{"index", i}, {"text", choice.text}, {"logprobs", nullptr}, {"finish_reason", finishReason(choice.reason)}});
    }
    j["usage"] = usageJson(c.usage);
    return dump(j);
}

std::string firstChunkEvent(const ResponseMeta& meta, int choice)
{
    json j = envelope(meta, true);
    j["choices"] = json::array({chunkChoice(meta, choice, {{"role", "assistant"}, {"content", ""}}, "", nullptr)});
    return event(j);
}

std::string textChunkEvent(const ResponseMeta& meta, int choice, std::string_view text)
{
    json j = envelope(meta, true);
    j["choices"] = json::array({chunkChoice(meta, choice, {{"content", text}}, text, nullptr)});
    return event(j);
}

std::string finishChunkEvent(const ResponseMeta& meta, int choice, StopReason reason)
{
    json j = envelope(meta, true);
    j["choices"] = json::array({chunkChoice(meta, choice, json::object(), "", finishReason(reason))});
    return event(j);
}

std::string usageChunkEvent(const ResponseMeta& meta, const Usage& usage)
{
    json j = envelope(meta, true);
    j["choices"] = json::array();
    j["usage"] = usageJson(usage);
    return event(j);
}

std::string errorEvent(const ApiError& error) { return "data: " + errorBody(error) + "\n\n"; }

} // namespace rwkv::server
