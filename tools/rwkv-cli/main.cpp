// rwkv-cli: headless use and benchmarks. Every failure is one line on stderr and a
// non-zero exit code: 1 for errors, 2 for usage errors.
#include "core/error.h"
#include "tools/rwkv-cli/command_line.h"
#include "tools/rwkv-cli/commands.h"
#include "tools/rwkv-cli/console.h"

#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <variant>

namespace {

int dispatch(rwkv::cli::Invocation& call)
{
    using namespace rwkv::cli;
    Args& args = call.options;
    switch (call.spec->command) {
    case Command::Info: return runInfo(args);
    case Command::Memory: return runMemory(args);
    case Command::Generate: return runGenerate(args);
    case Command::Chat: return runChat(args);
    case Command::Logits: return runLogits(args);
    case Command::Perplexity: return runPerplexity(call);
    case Command::Bench: return runBench(args);
    case Command::MakeRandom: return runMakeRandom(args);
    case Command::Devices: return runDevices(args);
    case Command::Serve: return runServe(args);
    case Command::Conv: return runConv(call);
    case Command::State: return runState(call);
    case Command::Doc: return runDoc(call);
    case Command::Store: return runStore(call);
    case Command::Pull: return runPull(call);
    case Command::Quantize: return runQuantize(call);
    }
    return 2;
}

int run(int argc, char** argv)
{
    using namespace rwkv::cli;
    if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "help")) {
        std::fputs(overview().c_str(), argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const std::string command = argv[1];
    if (command == "--version" || command == "version") {
        std::printf("rwkv-cli %s\n", RWKV_VERSION);
        return 0;
    }
    try {
        auto parsed = parseCommandLine(argc, argv);
        if (const HelpRequest* help = std::get_if<HelpRequest>(&parsed)) {
            std::fputs(help->text.c_str(), stdout);
            return 0;
        }
        return dispatch(std::get<Invocation>(parsed));
    } catch (const rwkv::Error& e) {
        std::fprintf(stderr, "rwkv-cli: error: %s\n", e.what());
        return e.code() == rwkv::ErrorCode::InvalidArgument ? 2 : 1;
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "rwkv-cli: error: out of memory\n");
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "rwkv-cli: error: %s\n", e.what());
        return 1;
    }
}

} // namespace

int main(int argc, char** argv)
{
    rwkv::cli::setUpConsole();
    rwkv::cli::Utf8CommandLine commandLine(argc, argv);
    return run(commandLine.argc(), commandLine.argv());
}
