#pragma once
// One function per rwkv-cli subcommand; each returns the process exit code.
#include "tools/rwkv-cli/args.h"
#include "tools/rwkv-cli/command_line.h"
#include "tools/rwkv-cli/model_setup.h"

#include <optional>
#include <string>

namespace rwkv::cli {

int runInfo(Args& args);
// memory [--check]: the memory estimate per device of a strategy (core/memory_estimate.h).
int runMemory(Args& args);
int runGenerate(Args& args);
int runChat(Args& args);
int runLogits(Args& args);
int runBench(Args& args);
int runMakeRandom(Args& args);
int runDevices(Args& args);
// The OpenAI-compatible API server; an Error(Unsupported) in builds without cpp-httplib.
int runServe(Args& args);

// chat --db F / --conversation ID: a stored conversation, resumed from its snapshot.
int runStoredChat(Args& args, const std::optional<std::string>& db, const std::optional<std::string>& conversation);
// chat's /save NAME: `state` as a named state in --db F or the default database (replacing
// one of that name); an Error(Unsupported) in builds without the store.
void saveChatState(const std::optional<std::string>& db, const std::string& name, const LoadedModel& m, const State& state);

// Commands with a verb (call.spec->verb) and positional arguments.
int runConv(Invocation& call);
int runState(Invocation& call);
int runDoc(Invocation& call);
int runStore(Invocation& call);
// pull NAME|URL; an Error(Unsupported) in builds without libcurl (Windows).
int runPull(Invocation& call);
// perplexity FILE [--against S2].
int runPerplexity(Invocation& call);
// quantize IN OUT --type int8|q4: a quantized checkpoint (core/quantized_file.h).
int runQuantize(Invocation& call);

} // namespace rwkv::cli
