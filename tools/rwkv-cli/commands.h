#pragma once
// One function per rwkv-cli subcommand; each returns the process exit code.
#include "tools/rwkv-cli/args.h"

namespace rwkv::cli {

int runInfo(Args& args);
int runGenerate(Args& args);
int runChat(Args& args);
int runLogits(Args& args);
int runBench(Args& args);
int runMakeRandom(Args& args);
int runDevices(Args& args);

} // namespace rwkv::cli
