#pragma once
// rwkv-cli state bench: snapshot size, save and restore time for several RWKV-7 state
// shapes, next to the time to rebuild the loaded model's state by replaying a conversation.
#include "tools/rwkv-cli/args.h"

namespace rwkv::cli {

int runStateBench(Args& args);

} // namespace rwkv::cli
