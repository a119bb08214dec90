#pragma once
// OpenAI request bodies (/v1/chat/completions, /v1/completions) checked field by field and
// turned into what the engine runs; every problem becomes an OpenAI-style error naming the
// parameter, never an exception.
#include "core/generator.h"
#include "core/prompt_format.h"

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace rwkv::server {

// An HTTP error in the shape of OpenAI's {"error": {"message", "type", "param", "code"}}.
struct ApiError {
    int status = 400;
    std::string message;
    std::string type = "invalid_request_error";
    std::string param;  // empty = null
    std::string code;   // empty = null
};

enum class Endpoint { Chat, Completion };

struct CompletionRequest {
    Endpoint endpoint = Endpoint::Chat;
    std::string model;
    std::vector<ChatMessage> messages;  // Endpoint::Chat
    std::string prompt;                 // Endpoint::Completion
    GenerationOptions options;          // max tokens, sampling, the client's stop strings
    int choices = 1;                    // n: replies to the same prompt (choice i: seed + i)
    bool stream = false;
    bool includeUsage = false;          // stream_options.include_usage
};

struct RequestLimits {
    std::string modelId;          // the one model served
    int defaultMaxTokens = 1024;  // when the request gives none
    int maxTokens = 65536;        // larger requests are refused
    int maxChoices = 16;          // n above this is refused
};

// Parses and checks a request body (ranges by checkGenerationOptions; a missing 'model' is the
// one served). Sampling defaults are OpenAI's (temperature 1, top_p 1,
// no penalties) with the official penalty decay; top_k and penalty_decay are accepted as
// extensions. n is 1…limits.maxChoices.
std::variant<CompletionRequest, ApiError> parseRequest(Endpoint endpoint, std::string_view body, const RequestLimits& limits);

} // namespace rwkv::server
