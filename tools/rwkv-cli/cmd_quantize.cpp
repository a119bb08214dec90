// rwkv-cli quantize IN OUT [--type int8|q4]: a checkpoint with its linear weights stored as
// int8 or q4 (core/quantized_file.h), which loads as `cpu int8` / `cpu q4` without quantizing again.
#include "core/checkpoint.h"
#include "core/error.h"
#include "core/format_bytes.h"
#include "core/quantized_file.h"
#include "core/utf8_path.h"
#include "tools/rwkv-cli/commands.h"
#include "tools/rwkv-cli/progress_line.h"

#include <cstdio>

namespace rwkv::cli {

int runQuantize(Invocation& call)
{
    Args& args = call.options;
    const std::string type = args.value("type").value_or("int8");
    if (type != "int8" && type != "q4") throw Error(ErrorCode::InvalidArgument, "--type must be int8 or q4");
    const DType deviceType = type == "q4" ? DType::Q4 : DType::Q8;
    args.finish();
    const std::filesystem::path in = pathFromUtf8(call.positionals[0]), out = pathFromUtf8(call.positionals[1]);
    std::error_code ec;
    if (std::filesystem::equivalent(in, out, ec))
        throw Error(ErrorCode::InvalidArgument, "quantize: IN and OUT are the same file; write to another one");
    const Checkpoint checkpoint = Checkpoint::open(in);
    ProgressLine progressLine(stderr);
    const QuantizeReport r = writeQuantizedCheckpoint(checkpoint, out, deviceType, [&](uint64_t done, uint64_t total) {
        progressLine.show("quantizing: tensor " + std::to_string(done) + " of " + std::to_string(total));
    });
    progressLine.clear();
    std::printf("wrote %s: %zu of %zu tensors as %s, %s of tensor data (was %s)\n", pathToUtf8(out).c_str(), r.quantized,
                r.tensors, type.c_str(), formatBytes(int64_t(r.bytesOut)).c_str(), formatBytes(int64_t(r.bytesIn)).c_str());
    return 0;
}

} // namespace rwkv::cli
