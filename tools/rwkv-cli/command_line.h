#pragma once
// rwkv-cli's command line read against the command table: the command, its verb and
// positional arguments, its options, or a request for help.
#include "tools/rwkv-cli/args.h"
#include "tools/rwkv-cli/command_table.h"

#include <string>
#include <variant>
#include <vector>

namespace rwkv::cli {

struct Invocation {
    const CommandSpec* spec = nullptr;
    std::vector<std::string> positionals; // exactly positionalCount(*spec)
    Args options;
};

struct HelpRequest {
    std::string text; // the usage to print on stdout
};

// argv[1] is the command. --help or -h anywhere (except as an option's value) asks for the
// usage of the command or verb. Throws Error(InvalidArgument) for an unknown command or verb,
// a wrong number of positional arguments, or an option the command does not take.
std::variant<HelpRequest, Invocation> parseCommandLine(int argc, char** argv);

} // namespace rwkv::cli
