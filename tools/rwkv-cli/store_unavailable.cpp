// The store commands in a build without the conversation store (RWKV_WITH_STORE=OFF, e.g. the
// Windows cross build: Debian has no mingw SQLite or zstd). They fail with a clear reason.
#include "core/error.h"
#include "tools/rwkv-cli/commands.h"

#include <string>

namespace rwkv::cli {

namespace {

[[noreturn]] void noStore(const std::string& what)
{
    throw Error(ErrorCode::Unsupported,
                what + " needs the conversation store, which this build of rwkv-cli does not have (built without SQLite and zstd)");
}

} // namespace

int runStoredChat(Args&, const std::optional<std::string>&, const std::optional<std::string>&) { noStore("chat --db/--conversation"); }
void saveChatState(const std::optional<std::string>&, const std::string&, const LoadedModel&, const State&) { noStore("/save"); }
int runConv(Invocation&) { noStore("conv"); }
int runState(Invocation&) { noStore("state"); }
int runDoc(Invocation&) { noStore("doc"); }
int runStore(Invocation&) { noStore("store"); }

} // namespace rwkv::cli
