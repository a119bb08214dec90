#pragma once
// The JSON bodies the OpenAI API answers with: errors, the model list, completions and the
// chunks of a streamed completion (server-sent events).
#include "server/api_request.h"
#include "server/completion_engine.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace rwkv::server {

// Who a response belongs to: "chatcmpl-..." or "cmpl-...", its creation time, the model.
struct ResponseMeta {
    Endpoint endpoint = Endpoint::Chat;
    std::string id;
    int64_t created = 0;  // Unix seconds
    std::string model;
};

std::string errorBody(const ApiError& error);
std::string modelsBody(const std::string& modelId, int64_t created);
std::string modelBody(const std::string& modelId, int64_t created);
// A whole (non-streamed) completion, every choice, with its usage.
std::string completionBody(const ResponseMeta& meta, const Completion& completion);

// One server-sent event "data: {...}\n\n"; `choice` is the choice's index.
std::string firstChunkEvent(const ResponseMeta& meta, int choice);  // chat: the assistant role, empty text
std::string textChunkEvent(const ResponseMeta& meta, int choice, std::string_view text);
std::string finishChunkEvent(const ResponseMeta& meta, int choice, StopReason reason);
std::string usageChunkEvent(const ResponseMeta& meta, const Usage& usage);
std::string errorEvent(const ApiError& error);
inline constexpr std::string_view kDoneEvent = "data: [DONE]\n\n";

} // namespace rwkv::server
