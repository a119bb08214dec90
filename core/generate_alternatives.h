#pragma once
// Several replies to one prompt at once ("Regenerate" with alternatives): the prompt is read once,
// then every reply continues from its own copy of the state and all of them advance by one
// batched step per token (Model::forwardBatch), so each weight is read once per step for all of
// them: n replies for little more than the reading cost of one. Each reply samples with its own
// options (for different replies, different seeds or none). The batched step equals stepping
// each State alone, so reply i is what generate() gives with options[i] alone.
#include "core/fair_mutex.h"
#include "core/generator.h"
#include "core/model.h"
#include "core/state.h"

#include <functional>
#include <span>
#include <stop_token>
#include <string_view>
#include <vector>

namespace rwkv {

struct Alternative {
    GenerationResult result;  // prefill and decode times are those of the whole batch
    State state;              // after the prompt and every token of this reply
};

// Text of reply `index` as soon as it is complete (see ReplyStream).
using AlternativeTextFn = std::function<void(int index, std::string_view text)>;

// Something that decodes the replies to a prompt as generateAlternatives does (its contract,
// except that `state` may be consumed): ChatSession's default is generate()/generateAlternatives
// on the calling thread; the app hands its turns to the API server's running batch instead.
using ReplyDecoder = std::function<std::vector<Alternative>(std::span<const int32_t> prompt, State& state,
                                                            std::span<const GenerationOptions> options,
                                                            const AlternativeTextFn& onText, std::stop_token cancel)>;

// Reads `prompt` into `state` (which then holds the prompt), then decodes options.size()
// replies (1…kMaxBatch) together. A cancel ends every reply (reason Cancelled) with what it has.
// With a modelLock each model call takes it (see prefill()). Throws Error(InvalidArgument) for
// an empty prompt, no or too many replies, or bad options.
std::vector<Alternative> generateAlternatives(Model& model, const Tokenizer* tokenizer, std::span<const int32_t> prompt,
                                              State& state, std::span<const GenerationOptions> options,
                                              const AlternativeTextFn& onText = {}, std::stop_token cancel = {},
                                              FairMutex* modelLock = nullptr);

} // namespace rwkv
