// gpu-parity: the GPU kernel and model tests (tests/support/device_*_tests.h) without Qt, for
// machines that have a GPU but no Qt (tools/gpu-remote.sh runs it on the rented NVIDIA one).
#include "core/error.h"
#include "core/paths.h"
#include "support/device_kernel_tests.h"
#include "support/device_model_tests.h"
#include "tests/gpu_runner/runner.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

using namespace rwkv;
using namespace rwkv::test;

namespace {

constexpr const char* kUsage = R"(usage: gpu-parity cuda|vulkan [--model F] [--data DIR] [--filter TEXT]
  Runs the GPU kernel tests (suite "kernels") and model tests (suite "model") on the first
  available device of the kind against the CPU backend and tests/data/reference: a line per
  row, PASS, FAIL with where and why, or SKIP with why, then the totals.
  --model F      checkpoint of the model test chunkingAndSnapshot (e.g. rwkv-cli make-random
                 --arch x070 --layers 2 --width 256 --vocab 65536); without it that test skips
  --data DIR     tests/data (default: the source tree's, else ../../tests/data beside this program)
  --filter TEXT  only rows whose "suite/test row" name contains TEXT
Exit status: 0 when nothing failed, 1 when a row failed or the kind's RWKV_REQUIRE_CUDA or
RWKV_REQUIRE_VULKAN is set and no device is available, 2 for usage errors.
)";

// tests/data: --data, else the one this program was built from, else the tree around a bundle
// (<tree>/.gpu/bin/gpu-parity).
void setDataDir(const char* given)
{
    std::filesystem::path dir = given ? given : RWKV_TEST_DATA_DIR;
    if (!given && !std::filesystem::exists(dir)) dir = executablePath().parent_path() / ".." / ".." / "tests" / "data";
    setenv("RWKV_TEST_DATA_DIR", std::filesystem::absolute(dir).c_str(), 1);
}

int usage(const char* why)
{
    std::fprintf(stderr, "gpu-parity: %s\n%s", why, kUsage);
    return 2;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc < 2 || !std::strcmp(argv[1], "--help")) return usage("give a device kind");
    const std::string kindName = argv[1];
    if (kindName != "cuda" && kindName != "vulkan") return usage("the device kind is cuda or vulkan");
    const GpuKind kind = kindName == "cuda" ? kCuda : kVulkan;
    std::filesystem::path model;
    const char* data = nullptr;
    std::string filter;
    for (int i = 2; i < argc; ++i) {
        const std::string a = argv[i];
        if (i + 1 >= argc) return usage(("a value is missing after " + a).c_str());
        if (a == "--model") model = argv[++i];
        else if (a == "--data") data = argv[++i];
        else if (a == "--filter") filter = argv[++i];
        else return usage(("unknown option " + a).c_str());
    }
    setDataDir(data);

    Runner runner(filter);
    std::string why;
    std::unique_ptr<Device> gpu;
    try {
        gpu = openFirstDevice(kind, why);
    } catch (const Error& e) {
        why = e.what();
    }
    if (!gpu) {
        const std::string reason = std::string("no ") + kind.label + " device: " + why;
        if (deviceRequired(kind)) runner.fail(kindName, std::string(kind.requireVariable) + " is set but there is " + reason);
        else runner.skipSuite(kindName, reason);
    } else {
        std::printf("device: %s\n", gpu->name().c_str());
        DeviceKernelTests kernels(*gpu, kernelTolerances(kind));
        runner.run("kernels", kernels.cases(kind));
        std::printf("largest kernel NMSE: %.1e of its tolerance\n", kernels.worstRatio());
        DeviceModelTests models(*gpu, modelTolerances(kind), model);
        runner.run("model", models.cases(kind));
    }
    const Totals& t = runner.totals();
    std::printf("Totals: %d passed, %d failed, %d skipped (%s)\n", t.passed, t.failed, t.skipped, kindName.c_str());
    return t.failed > 0 ? 1 : 0;
}
