#include "tools/rwkv-cli/command_line.h"

#include "core/error.h"

namespace rwkv::cli {

namespace {

bool isHelp(const std::string& arg) { return arg == "--help" || arg == "-h"; }

// Whether --help or -h is among `args`, skipping the values of the spec's options (a prompt
// may be "-h"); without a spec (a verb not given yet) every argument counts.
bool asksHelp(const std::vector<std::string>& args, const CommandSpec* spec)
{
    for (size_t i = 0; i < args.size(); ++i) {
        if (isHelp(args[i])) return true;
        if (!spec || args[i].rfind("--", 0) != 0) continue;
        const OptionSpec* o = findOption(*spec, std::string_view(args[i]).substr(2));
        if (o && !o->value.empty()) ++i;
    }
    return false;
}

} // namespace

std::variant<HelpRequest, Invocation> parseCommandLine(int argc, char** argv)
{
    const std::string command = argv[1];
    std::vector<std::string> rest(argv + 2, argv + argc);
    const bool verbs = hasVerbs(command);
    const CommandSpec* spec = verbs ? nullptr : findCommand(command);
    if (!verbs && !spec)
        throw Error(ErrorCode::InvalidArgument, "unknown command '" + command + "' (rwkv-cli --help lists them)");
    if (verbs) {
        if (rest.empty() || rest[0].rfind("-", 0) == 0) {
            if (asksHelp(rest, nullptr)) return HelpRequest{verbsUsage(command)};
            throw Error(ErrorCode::InvalidArgument, command + " needs a verb: " + verbList(command));
        }
        spec = findCommand(command, rest[0]);
        if (!spec)
            throw Error(ErrorCode::InvalidArgument, "unknown " + command + " verb '" + rest[0] + "' (" + verbList(command) + ")");
        rest.erase(rest.begin());
    }
    if (asksHelp(rest, spec)) return HelpRequest{usage(*spec)};
    // Positional arguments come first, up to the first option.
    size_t first = 0;
    while (first < rest.size() && rest[first].rfind("--", 0) != 0) ++first;
    const size_t wanted = positionalCount(*spec);
    const bool takesPositionals = verbs || wanted > 0;
    if (takesPositionals && first != wanted) throw Error(ErrorCode::InvalidArgument, "usage: " + synopsis(*spec));
    std::vector<std::string> positionals(rest.begin(), rest.begin() + std::ptrdiff_t(takesPositionals ? first : 0));
    Args options(*spec, std::vector<std::string>(rest.begin() + std::ptrdiff_t(positionals.size()), rest.end()));
    return Invocation{spec, std::move(positionals), std::move(options)};
}

} // namespace rwkv::cli
