// rwkv-cli: headless use and benchmarks. Every failure is one line on stderr and a
// non-zero exit code: 1 for errors, 2 for usage errors.
#include "core/error.h"
#include "tools/rwkv-cli/commands.h"

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
  make-random --arch x070 --layers L --width C --vocab V --out F [--ffn F] [--head-size N] [--dtype bf16] [--seed S]
  devices                                              compute devices of this build

common options:
  --model F         .pth or .safetensors checkpoint (default: the bundled demo model)
  --strategy S      e.g. "cpu fp32", "cpu bf16"        --device ID   cpu | cuda:N | vulkan:N
  --threads N       CPU threads (default: all cores)  --tokenizer world|neox|none
sampling:
  --temperature T (0 = greedy) --top-p P --top-k K --presence-penalty X --frequency-penalty Y
  --penalty-decay D --seed S --ban ID
)";

} // namespace

int main(int argc, char** argv)
{
    using namespace rwkv::cli;
    if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "help")) {
        std::fputs(kUsage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const std::string command = argv[1];
    try {
        Args args(argc, argv, 2);
        if (command == "info") return runInfo(args);
        if (command == "generate") return runGenerate(args);
        if (command == "chat") return runChat(args);
        if (command == "logits") return runLogits(args);
        if (command == "bench") return runBench(args);
        if (command == "make-random") return runMakeRandom(args);
        if (command == "devices") return runDevices(args);
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
