// rwkv-cli make-random: random checkpoints of real shapes (safetensors, official key names).
#include "core/error.h"
#include "core/random_model.h"
#include "core/utf8_path.h"
#include "tools/rwkv-cli/commands.h"

#include <cstdio>

namespace rwkv::cli {

int runMakeRandom(Args& args)
{
    RandomModelSpec s;
    const std::string arch = args.value("arch").value_or("x070");
    if (arch == "x040") s.generation = Generation::X040;
    else if (arch == "x052") s.generation = Generation::X052;
    else if (arch == "x060") s.generation = Generation::X060;
    else if (arch == "x070") s.generation = Generation::X070;
    else throw Error(ErrorCode::InvalidArgument, "make-random: unknown architecture '" + arch + "' (x040, x052, x060, x070)");
    s.layers = args.intValue("layers", s.layers);
    s.width = args.intValue("width", s.width);
    s.vocab = args.intValue("vocab", s.vocab);
    s.ffn = args.intValue("ffn", 0);
    s.headSize = args.intValue("head-size", s.headSize);
    s.seed = uint64_t(args.intValue("seed", 1));
    const std::string dtype = args.value("dtype").value_or("bf16");
    if (dtype == "bf16") s.dtype = DType::BF16;
    else if (dtype == "fp16") s.dtype = DType::F16;
    else if (dtype == "fp32") s.dtype = DType::F32;
    else throw Error(ErrorCode::InvalidArgument, "--dtype must be bf16, fp16 or fp32");
    const auto out = args.value("out");
    if (!out) throw Error(ErrorCode::InvalidArgument, "make-random needs --out FILE (.safetensors)");
    args.finish();

    const std::vector<NamedTensor> tensors = makeRandomModel(s);
    writeSafetensors(pathFromUtf8(*out), tensors);
    size_t bytes = 0;
    for (const NamedTensor& t : tensors) bytes += t.bytes.size();
    std::printf("wrote %s: %s L%d C%d V%d, %zu tensors, %.1f MiB %s\n", out->c_str(), arch.c_str(), s.layers, s.width, s.vocab,
                tensors.size(), double(bytes) / (1 << 20), dtype.c_str());
    return 0;
}

} // namespace rwkv::cli
