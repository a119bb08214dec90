#pragma once
// Every rwkv-cli command and verb with its arguments and options: the one table that the
// dispatcher (main.cpp), the option parser (Args accepts exactly these options) and --help
// read, so a command's usage cannot miss an option it takes. Plain data, no model code.
#include <string>
#include <string_view>
#include <vector>

namespace rwkv::cli {

enum class OptionGroup { Own, Model, Sampling };

struct OptionSpec {
    std::string_view name;  // without "--"
    std::string_view value; // what follows it ("N", "TEXT"); empty for a flag
    std::string_view help;
    OptionGroup group = OptionGroup::Own;
};

enum class Command { Info, Memory, Generate, Chat, Logits, Perplexity, Bench, MakeRandom, Devices, Serve, Conv, State, Doc, Store, Pull, Quantize };

struct CommandSpec {
    Command command;
    std::string_view name;      // "conv"
    std::string_view verb;      // "show"; empty for a command without verbs
    std::string_view arguments; // positional arguments, one word each ("DOC QUESTION"); empty for none
    std::string_view summary;   // what it does
    std::vector<OptionSpec> options;
};

const std::vector<CommandSpec>& commandSpecs();
// Whether `name` is a command with verbs (conv, state, doc).
bool hasVerbs(std::string_view name);
// The spec of `name` (with `verb` for a command with verbs); null when there is none.
const CommandSpec* findCommand(std::string_view name, std::string_view verb = {});
// The verbs of `name`, "list, show, …".
std::string verbList(std::string_view name);
// The option `name` of `spec`; null when it takes none of that name.
const OptionSpec* findOption(const CommandSpec& spec, std::string_view name);
// How many positional arguments `spec` takes.
size_t positionalCount(const CommandSpec& spec);

// "rwkv-cli conv show ID [options]".
std::string synopsis(const CommandSpec& spec);
// The --help text of one command or verb: synopsis, summary, every option.
std::string usage(const CommandSpec& spec);
// The --help text of a command with verbs: each verb's usage.
std::string verbsUsage(std::string_view name);
// rwkv-cli --help: every command with its summary.
std::string overview();

} // namespace rwkv::cli
