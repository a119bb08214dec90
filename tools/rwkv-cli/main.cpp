// rwkv-cli: headless use and benchmarks. Every failure is one line on stderr and a
// non-zero exit code: 1 for errors, 2 for usage errors.
#include "core/error.h"
#include "tools/rwkv-cli/commands.h"
#include "tools/rwkv-cli/console.h"

#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

namespace {

constexpr const char* kUsage = R"(usage: rwkv-cli COMMAND [options]

commands:
  info        --model F [--json]                       generation, shape, parameters, state size
  generate    (--prompt TEXT | --tokens CSV) [--max-tokens N] [sampling] [--stop STR]... [--state F] [--json]
  chat        [--prompt TEXT] [--system TEXT] [--max-tokens N] [--state F] [--format chat|completion] [sampling]
              World chat (plain completion for RWKV-4 Pile models); interactive without --prompt;
              --state F starts from a state-tuning file
  logits      --tokens CSV [--chunk-sizes CSV] --json  logits after the last token
  bench       [--prompt-tokens 512] [--gen-tokens 128] [--threads N]        prefill/decode speed
              [--device-gbs G]  a GPU's memory bandwidth, for the decode roofline
  make-random --arch x070 --layers L --width C --vocab V --out F [--ffn F] [--head-size N] [--dtype bf16] [--seed S]
  devices                                              compute devices of this build
  serve       [--host 127.0.0.1] [--port 8000] [--api-key KEY] [--db F] [--cache-mb 512] [--quiet]
              OpenAI-compatible API (/v1/models, /v1/chat/completions, /v1/completions);
              another host than loopback needs --api-key; states of recent prompt prefixes are
              kept in --cache-mb of memory (and in --db F across restarts); max_tokens defaults
              to 1024 (at most 65536), request bodies to 8 MiB; a line per completion on stderr

stored conversations, states and documents (--db F, default ~/.local/share/rwkv-desktop/rwkv-desktop.sqlite):
  chat --db F [--conversation ID] [--stats] [chat options]
              a conversation saved after every reply; --conversation resumes it from its saved
              state (no replay); without it a new conversation starts and its id goes to stderr
  conv list [--json] | show ID [--all] [--json] | branch ID --at MESSAGE | rm ID
       rebuild ID   recompute a conversation's saved states for the loaded model by replaying its text
  state save NAME (--text TEXT | --conversation ID) [--replace] [--state F]   a named state
        load NAME [--prompt TEXT [--chat]] [--max-tokens N] [sampling] [--json] | list [--json] | rm NAME
        bench [--shapes 12x768,24x2048,32x4096] [--replay-tokens 4000] [--repetitions 10] [--json]
  doc ingest FILE [--name NAME] [--chunk 512] [--stats]   read a UTF-8 text/Markdown file once, keep its state
      ask DOC QUESTION [--max-tokens N] [sampling]        answer from a copy of that state (greedy by default)
      list [--json] | rm DOC

  --version                                            print the version

common options:
  --model F         .pth or .safetensors checkpoint (default: the bundled demo model)
  --strategy S      e.g. "cpu fp32", "cpu bf16"        --device ID   cpu | cuda:N | vulkan:N
  --threads N       CPU threads (default: all cores)  --tokenizer world|neox|none
sampling:
  --temperature T (0 = greedy) --top-p P --top-k K --presence-penalty X --frequency-penalty Y
  --penalty-decay D --seed S --ban ID
)";

int run(int argc, char** argv)
{
    using namespace rwkv::cli;
    if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "help")) {
        std::fputs(kUsage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const std::string command = argv[1];
    if (command == "--version" || command == "version") {
        std::printf("rwkv-cli %s\n", RWKV_VERSION);
        return 0;
    }
    try {
        Args args(argc, argv, 2);
        if (command == "info") return runInfo(args);
        if (command == "generate") return runGenerate(args);
        if (command == "chat") return runChat(args);
        if (command == "logits") return runLogits(args);
        if (command == "bench") return runBench(args);
        if (command == "make-random") return runMakeRandom(args);
        if (command == "devices") return runDevices(args);
        if (command == "serve") return runServe(args);
        if (command == "conv") return runConv(argc, argv);
        if (command == "state") return runState(argc, argv);
        if (command == "doc") return runDoc(argc, argv);
        std::fprintf(stderr, "rwkv-cli: unknown command '%s' (try rwkv-cli --help)\n", command.c_str());
        return 2;
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
