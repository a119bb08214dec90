#pragma once
// A ReplyDecoder (core/generate_alternatives.h) that decodes in a BatchScheduler's running
// batch: the app's chat turns then advance in the same steps as the API's requests, each step
// reading the weights once for all of them, instead of taking turns with them token by token.
#include "core/generate_alternatives.h"
#include "server/batch_scheduler.h"

namespace rwkv::server {

// Decodes options.size() replies to `prompt`, read on top of `state` (consumed), as one job
// of `scheduler` (borrowed: it must outlive every call). onText gets each reply's text on the
// calling thread, which waits. A cancel ends every reply at the next step with what it has
// (reason Cancelled, its state matching its text); one before the prompt is read throws
// Error(Cancelled). Prefill time is the wait for the first reply token, queueing included.
std::vector<Alternative> decodeInBatch(BatchScheduler& scheduler, std::span<const int32_t> prompt, State& state,
                                       std::span<const GenerationOptions> options, const AlternativeTextFn& onText,
                                       std::stop_token cancel);

// decodeInBatch on `scheduler`, as a ChatSession's decoder.
ReplyDecoder batchReplyDecoder(BatchScheduler& scheduler);

} // namespace rwkv::server
