// The API server's request parser: any body for /v1/chat/completions or /v1/completions (byte 0
// chooses) is either refused with an OpenAI-style error (never an exception) or a request that
// passes the shared generation checks, within the server's token limit, with UTF-8 text.
#include "fuzz_harness.h"

#include "core/generation_checks.h"
#include "server/api_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using namespace rwkv;
    using namespace rwkv::server;
    if (size == 0) return 0;
    const RequestLimits limits{"rwkv-fuzz", 64, 4096};
    const Endpoint endpoint = data[0] & 1 ? Endpoint::Completion : Endpoint::Chat;
    const auto result = parseRequest(endpoint, fuzz::asText(data + 1, size - 1), limits);
    if (const auto* error = std::get_if<ApiError>(&result)) {
        fuzz::require(error->status >= 400 && error->status < 600 && !error->message.empty(), "an error without a status or message");
        return 0;
    }
    const CompletionRequest& request = std::get<CompletionRequest>(result);
    fuzz::require(request.endpoint == endpoint, "the request is for another endpoint");
    fuzz::require(!checkGenerationOptions(request.options, limits.maxTokens), "an accepted request fails the generation checks");
    fuzz::require(request.model == limits.modelId, "an accepted request names another model");
    fuzz::require(request.choices >= 1 && request.choices <= limits.maxChoices, "an accepted request asks for too many choices");
    if (endpoint == Endpoint::Chat) {
        fuzz::require(!request.messages.empty(), "an accepted chat has no messages");
        for (const ChatMessage& m : request.messages) fuzz::require(fuzz::isValidUtf8(m.text), "a message is not UTF-8");
    } else {
        fuzz::require(fuzz::isValidUtf8(request.prompt), "the prompt is not UTF-8");
    }
    return 0;
}
