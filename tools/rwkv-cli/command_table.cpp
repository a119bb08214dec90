#include "tools/rwkv-cli/command_table.h"

#include <algorithm>
#include <initializer_list>

namespace rwkv::cli {

namespace {

using G = OptionGroup;

const std::vector<OptionSpec> kModel = {
    {"model", "F", ".pth or .safetensors checkpoint (default: the bundled demo model, a toy)", G::Model},
    {"strategy", "S", "devices and precisions, e.g. \"cpu bf16\", \"cuda fp16 *10 -> cpu fp32\"; auto: the fastest that fits", G::Model},
    {"device", "ID", "cpu | cuda:N | vulkan:N, the whole model at its default precision; auto as --strategy auto", G::Model},
    {"threads", "N", "CPU threads; 0 = all hardware threads (the default); more are capped at them", G::Model},
    {"tokenizer", "T", "world | neox | none (default: chosen from the vocabulary size)", G::Model},
};

const std::vector<OptionSpec> kSampling = {
    {"temperature", "T", "0…2; 0 = greedy", G::Sampling},
    {"top-p", "P", "0…1, nucleus mass kept", G::Sampling},
    {"top-k", "K", "≥ 0; 0 = no limit", G::Sampling},
    {"presence-penalty", "X", "-2…2, subtracted from every token seen", G::Sampling},
    {"frequency-penalty", "Y", "-2…2, times a token's decayed count", G::Sampling},
    {"penalty-decay", "D", "0…1, occurrence decay per token", G::Sampling},
    {"seed", "S", "random seed (non-negative integer)", G::Sampling},
    {"ban", "ID", "never sample token ID (repeatable)", G::Sampling},
};

const OptionSpec kDb = {"db", "F", "the database (default ~/.local/share/rwkv-desktop/rwkv-desktop.sqlite)"};
const OptionSpec kJson = {"json", "", "JSON output"};
const OptionSpec kMaxTokens = {"max-tokens", "N", "longest reply in tokens (0…65536)"};

// The options of one command: its own, then the shared groups.
std::vector<OptionSpec> options(std::initializer_list<OptionSpec> own, bool model = false, bool sampling = false)
{
    std::vector<OptionSpec> out(own);
    if (model) out.insert(out.end(), kModel.begin(), kModel.end());
    if (sampling) out.insert(out.end(), kSampling.begin(), kSampling.end());
    return out;
}

std::vector<CommandSpec> makeSpecs()
{
    using C = Command;
    return {
        {C::Info, "info", "", "", "generation, shape, parameters, state size, devices", options({kJson}, true)},
        {C::Memory, "memory", "", "",
         "the memory a model takes on each device of a strategy, from the file's header, and what\n"
         "each device has free: weights, one conversation's state, working buffers. With --check it\n"
         "loads the model, runs a chunk and shows what the meters measured (the process's resident\n"
         "memory for the cpu, a GPU's memory meter) beside the estimate",
         options({{"check", "", "load the model and measure"}, kJson}, true)},
        {C::Generate, "generate", "", "", "continue a text (or token ids) as it is, no chat format",
         options({{"prompt", "TEXT", "the text to continue"},
                  {"tokens", "CSV", "token ids to continue, instead of --prompt"},
                  kMaxTokens,
                  {"stop", "STR", "end before this text (repeatable)"},
                  {"state", "F", "start from a state-tuning file"},
                  kJson},
                 true, true)},
        {C::Chat, "chat", "", "",
         "chat with a model: one turn with --prompt, else line by line until end of input\n"
         "World chat format (plain completion for RWKV-4 Pile models). Typed commands: /help,\n"
         "/reset, /regenerate, /save NAME (a named state, see state load), /quit; empty lines are\n"
         "skipped. With --db a stored conversation, saved after every reply; --conversation ID\n"
         "resumes one from its saved state (no replay).",
         options({{"prompt", "TEXT", "one turn, then exit"},
                  {"system", "TEXT", "system prompt of a new conversation"},
                  kMaxTokens,
                  {"state", "F", "start from a state-tuning file"},
                  {"format", "F", "chat | completion"},
                  kDb,
                  {"conversation", "ID", "resume stored conversation ID (in --db F or the default database)"},
                  {"stats", "", "per turn: prompt tokens, restore and save times (stored chats)"}},
                 true, true)},
        {C::Logits, "logits", "", "", "the logits after the last token, as JSON",
         options({{"tokens", "CSV", "token ids to feed"},
                  {"prompt", "TEXT", "text to feed, instead of --tokens"},
                  {"chunk-sizes", "CSV", "feed the tokens in chunks of these sizes"},
                  {"json", "", "JSON output (the only format; accepted for clarity)"}},
                 true)},
        {C::Perplexity, "perplexity", "", "FILE",
         "how well the model predicts a UTF-8 text file: perplexity, NLL, bits per byte\n"
         "Every token after the first is predicted from the ones before it (forward in chunks, logits\n"
         "at every position). With --against S2 the same model also runs under strategy S2 (both are\n"
         "in memory at once) and the output adds, over the same positions, the mean KL(P_S2 || P_S),\n"
         "the share of positions whose most likely token agrees, and the largest logit difference.",
         options({{"against", "S2", "compare with the same model under strategy S2, e.g. \"cpu fp32\""},
                  {"max-tokens", "N", "read only the first N tokens of the file (default: all; at least 2)"},
                  {"chunk-tokens", "N", "tokens per forward call (default 128, as a prompt is read; 1: as a "
                                        "reply is decoded, token by token)"},
                  kJson},
                 true)},
        {C::Bench, "bench", "", "", "prefill and decode speed, with the machine's bandwidth and FMA peak",
         options({{"prompt-tokens", "N", "prompt length (default 512)"},
                  {"gen-tokens", "N", "tokens decoded (default 128)"},
                  {"repetitions", "N", "runs averaged (default 3)"},
                  {"device-gbs", "G", "a GPU's memory bandwidth in GB/s, for the decode roofline"},
                  {"batch", "B", "also decode B conversations at once (batched step) and print their aggregate t/s"},
                  kJson},
                 true)},
        {C::MakeRandom, "make-random", "", "", "a random checkpoint of a real shape (safetensors, official key names)",
         options({{"arch", "A", "x040 | x052 | x060 | x070 (default x070)"},
                  {"layers", "L", "layers"},
                  {"width", "C", "embedding width"},
                  {"vocab", "V", "vocabulary size"},
                  {"ffn", "F", "feed-forward width (default: the generation's rule)"},
                  {"head-size", "N", "head size"},
                  {"dtype", "T", "bf16 | fp16 | fp32 (default bf16)"},
                  {"seed", "S", "random seed (default 1)"},
                  {"out", "F", "the file to write (.safetensors)"}})},
        {C::Quantize, "quantize", "", "IN OUT",
         "write a checkpoint with its linear weights and head as int8 or q4 (blocks of 32, fp16 scales)\n"
         "A safetensors file (format in core/quantized_file.h) that loads as --strategy \"cpu int8\"\n"
         "(or \"cpu q4\") without quantizing again, or as any other precision from its values.",
         options({{"type", "T", "int8 | q4 (default int8)"}})},
        {C::Devices, "devices", "", "", "compute devices of this build, available or not, with the reason", {}},
        {C::Serve, "serve", "", "",
         "an OpenAI-compatible local API on the loaded model\n"
         "/v1/models, /v1/chat/completions, /v1/completions. Another host than loopback needs\n"
         "--api-key; states of recent prompt prefixes are kept in --cache-mb of\n"
         "memory (and in --db across restarts); max_tokens defaults to 1024 (at most 65536), request\n"
         "bodies to 8 MiB; a line per completion on stderr. Concurrent requests are decoded together\n"
         "(continuous batching): each step advances up to --max-batch replies by one token, reading\n"
         "the weights once for all; n > 1 asks for several replies to one prompt (at most 16)",
         options({{"host", "H", "address to listen on (default 127.0.0.1)"},
                  {"port", "P", "port (default 8000; 0 = any free port)"},
                  {"api-key", "KEY", "require \"Authorization: Bearer KEY\""},
                  {"cors", "ORIGIN", "allow browser pages from ORIGIN (or *) to call the API"},
                  kDb,
                  {"cache-mb", "N", "memory for prefix states (default 512)"},
                  {"max-batch", "N", "replies decoded at once, 1…128 (default 8 on the CPU, 32 on GPUs)"},
                  {"quiet", "", "no line per completion"}},
                 true)},
        {C::Pull, "pull", "", "NAME|URL",
         "download a model of the catalog (or any URL) into the models folder, checked\n"
         "Written to FILE.part and resumed from it (HTTP Range) after a dropped connection, Ctrl+C\n"
         "or a restart; a server that ignores Range is downloaded again from the start. Renamed to\n"
         "FILE only when its size and sha256 match the catalog (or the server's ETag); a mismatch is\n"
         "kept aside as FILE.bad. The catalog lists names, sizes, licences and checksums.",
         options({{"out", "DIR", "the folder (default ~/.local/share/rwkv-desktop/models)"},
                  {"catalog", "F|URL", "the model catalog (default: the last one refreshed, else the one installed "
                                       "with rwkv-cli); a URL refreshes it first"}})},
        {C::Conv, "conv", "list", "", "stored conversations", options({kJson, kDb})},
        {C::Conv, "conv", "show", "ID", "a conversation's current branch (--all: the whole tree with message ids)",
         options({{"all", "", "every branch, as a tree"}, kJson, kDb})},
        {C::Conv, "conv", "branch", "ID", "continue conversation ID after another message",
         options({{"at", "MESSAGE", "the reply (or root) message to continue after"}, kDb})},
        {C::Conv, "conv", "rm", "ID", "delete a conversation", options({kDb})},
        {C::Conv, "conv", "rename", "ID TITLE", "give conversation ID another title", options({kDb})},
        {C::Conv, "conv", "read", "ID FILE",
         "read a UTF-8 text or Markdown file into conversation ID after its current message\n"
         "The next question remembers the dialogue and the document; read several one after another.",
         options({{"name", "NAME", "the document's name in the conversation (default: the file name)"}, kDb}, true)},
        {C::Conv, "conv", "export", "ID FILE",
         "write conversation ID to FILE (.rwkvx): every message and branch with their states\n"
         "Another machine reads it with conv import (docs/transfer-format.md). FILE must not exist.",
         options({{"markdown", "", "the current branch as Markdown instead (text only)"}, kDb})},
        {C::Conv, "conv", "import", "FILE",
         "read a conversation file (.rwkvx) as a new conversation, its states checked against the loaded model\n"
         "States of other weights are left out (conv rebuild recomputes them); a file with no state\n"
         "of the loaded weights, or a damaged file, is refused and nothing is written.",
         options({kDb}, true)},
        {C::Conv, "conv", "rebuild", "ID", "recompute a conversation's saved states for the loaded model by replaying its text",
         options({kDb}, true)},
        {C::State, "state", "save", "NAME", "save a named state: after a text, or a conversation's current one",
         options({{"text", "TEXT", "the text to read"},
                  {"conversation", "ID", "the state of conversation ID instead"},
                  {"note", "TEXT", "a note on what the state holds (shown by state list and the app)"},
                  {"state", "F", "start --text from a state-tuning file"},
                  {"replace", "", "replace a state of that name"},
                  kDb},
                 true)},
        {C::State, "state", "load", "NAME", "restore a named state, and continue from it with --prompt",
         options({{"prompt", "TEXT", "text to continue"},
                  {"chat", "", "--prompt is a chat turn"},
                  kMaxTokens,
                  kJson,
                  kDb},
                 true, true)},
        {C::State, "state", "list", "", "named states", options({kJson, kDb})},
        {C::State, "state", "rm", "NAME", "delete a named state", options({kDb})},
        {C::State, "state", "rename", "NAME NEW", "give a named state another name", options({kDb})},
        {C::State, "state", "export", "NAME FILE",
         "write the named state to FILE (.rwkvx), for this or another machine; FILE must not exist", options({kDb})},
        {C::State, "state", "import", "FILE",
         "read a state file (.rwkvx) as a named state; refused unless made with the loaded model's weights",
         options({{"name", "N", "the name to keep it under (default: its name in the file)"},
                  {"replace", "", "replace a state of that name"},
                  kDb},
                 true)},
        {C::State, "state", "bench", "", "snapshot size, save and restore time against replaying the text",
         options({{"shapes", "LxC,…", "model shapes (default 12x768,24x2048,32x4096)"},
                  {"replay-tokens", "N", "conversation length replayed (default 4000)"},
                  {"repetitions", "N", "runs averaged (default 10)"},
                  kJson,
                  kDb},
                 true)},
        {C::Doc, "doc", "ingest", "FILE", "read a UTF-8 text or Markdown file once and keep its state",
         options({{"name", "NAME", "the document's name (default: the file name)"},
                  {"chunk", "N", "tokens per forward call (default 512)"},
                  {"stats", "", "peak memory on stderr"},
                  kDb},
                 true)},
        {C::Doc, "doc", "ask", "DOC QUESTION", "answer from a copy of a document's state (greedy by default)",
         options({kMaxTokens, kJson, kDb}, true, true)},
        {C::Doc, "doc", "chat", "DOC",
         "start a conversation from a document's state: questions remember the document and the dialogue\n"
         "Continue it with chat --conversation ID. It has no system prompt (the document was read without).",
         options({kDb}, true)},
        {C::Doc, "doc", "list", "", "documents read", options({kJson, kDb})},
        {C::Doc, "doc", "rm", "DOC", "delete a document", options({kDb})},
        {C::Store, "store", "check", "",
         "check the database file for damage (SQLite integrity_check), read-only; exit code 1 when damaged",
         options({kJson, kDb})},
        {C::Store, "store", "prune", "",
         "delete the conversation states that can be rebuilt, then give the space back (VACUUM)\n"
         "Kept: the root, branch points, the last reply of every branch, the current message, every\n"
         "N-th reply; opening or continuing from another replays at most N-1 turns, transparently.\n"
         "Named states are kept.",
         options({{"keep-every", "N", "keep every N-th reply's state (default 4)"}, kJson, kDb})},
    };
}

void appendOptions(std::string& out, const CommandSpec& spec, OptionGroup group, const char* heading)
{
    bool first = true;
    for (const OptionSpec& o : spec.options) {
        if (o.group != group) continue;
        if (first) out.append("\n").append(heading).append(":\n");
        first = false;
        std::string left = "  --" + std::string(o.name);
        if (!o.value.empty()) left.append(" ").append(o.value);
        left.resize(std::max<size_t>(left.size() + 2, 26), ' ');
        out.append(left).append(o.help).append("\n");
    }
}

} // namespace

const std::vector<CommandSpec>& commandSpecs()
{
    static const std::vector<CommandSpec> specs = makeSpecs();
    return specs;
}

bool hasVerbs(std::string_view name)
{
    const CommandSpec* spec = findCommand(name);
    return spec == nullptr && std::any_of(commandSpecs().begin(), commandSpecs().end(), [&](const CommandSpec& s) {
               return s.name == name;
           });
}

const CommandSpec* findCommand(std::string_view name, std::string_view verb)
{
    for (const CommandSpec& s : commandSpecs())
        if (s.name == name && s.verb == verb) return &s;
    return nullptr;
}

std::string verbList(std::string_view name)
{
    std::string out;
    for (const CommandSpec& s : commandSpecs())
        if (s.name == name && !s.verb.empty()) out.append(out.empty() ? "" : ", ").append(s.verb);
    return out;
}

const OptionSpec* findOption(const CommandSpec& spec, std::string_view name)
{
    for (const OptionSpec& o : spec.options)
        if (o.name == name) return &o;
    return nullptr;
}

size_t positionalCount(const CommandSpec& spec)
{
    return spec.arguments.empty() ? 0 : size_t(std::count(spec.arguments.begin(), spec.arguments.end(), ' ')) + 1;
}

std::string synopsis(const CommandSpec& spec)
{
    std::string out = "rwkv-cli " + std::string(spec.name);
    if (!spec.verb.empty()) out.append(" ").append(spec.verb);
    if (!spec.arguments.empty()) out.append(" ").append(spec.arguments);
    if (!spec.options.empty()) out.append(" [options]");
    return out;
}

std::string usage(const CommandSpec& spec)
{
    std::string out = "usage: " + synopsis(spec) + "\n\n" + std::string(spec.summary) + "\n";
    appendOptions(out, spec, OptionGroup::Own, "options");
    appendOptions(out, spec, OptionGroup::Model, "model options");
    appendOptions(out, spec, OptionGroup::Sampling, "sampling options");
    return out;
}

std::string verbsUsage(std::string_view name)
{
    std::string out = "rwkv-cli " + std::string(name) + " VERB: " + verbList(name) + "\n";
    for (const CommandSpec& s : commandSpecs())
        if (s.name == name) out.append("\n").append(usage(s));
    return out;
}

std::string overview()
{
    std::string out = "usage: rwkv-cli COMMAND [arguments] [options]\n\ncommands:\n";
    for (const CommandSpec& s : commandSpecs()) {
        std::string left = "  " + std::string(s.name);
        if (!s.verb.empty()) left.append(" ").append(s.verb);
        if (!s.arguments.empty()) left.append(" ").append(s.arguments);
        left.resize(std::max<size_t>(left.size() + 2, 26), ' ');
        const std::string_view summary = s.summary.substr(0, s.summary.find('\n'));
        out.append(left).append(summary).append("\n");
    }
    out.append("  --version               print the version\n\n"
               "rwkv-cli COMMAND --help (or -h) shows a command's options. Stored conversations, states\n"
               "and documents (chat --db, conv, state, doc) live in SQLite, by default in\n"
               "~/.local/share/rwkv-desktop/rwkv-desktop.sqlite.\n");
    return out;
}

} // namespace rwkv::cli
