#include "support/device_model_tests.h"

#include "core/checkpoint.h"
#include "core/error.h"
#include "core/model.h"
#include "core/quantized_file.h"
#include "support/dequantized_model.h"
#include "support/device_compare.h"
#include "support/reference_case.h"

#include <cstring>
#include <random>
#include <string_view>

namespace rwkv::test {

namespace {

std::vector<float> stateValues(const State& s) { return {s.data().begin(), s.data().end()}; }

bool sameBits(const std::vector<float>& a, const std::vector<float>& b)
{
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// Feeds tokens one call each (the decode path); reads the state after every call if asked.
std::vector<float> decode(Model& model, std::span<const int32_t> tokens, State& state, bool readEach = false)
{
    std::vector<float> logits;
    for (const int32_t& t : tokens) {
        logits = model.forward(std::span(&t, 1), state);
        if (readEach) (void)state.data();
    }
    return logits;
}

// Every reference case under each of `types`.
std::vector<Row<DeviceModelTests::ParityRow>> caseRows(std::initializer_list<DType> types)
{
    std::vector<Row<DeviceModelTests::ParityRow>> v;
    for (const char* c : {"x040_c128_l2_v1000", "x052_c128_l2_v1000", "x060_c128_l2_v1000", "x070_c128_l2_v1000"})
        for (DType t : types) v.push_back({format("%s %s", c, dtypeName(t).data()), {c, t}});
    return v;
}

} // namespace

const std::vector<Row<DeviceModelTests::ParityRow>>& DeviceModelTests::parityRows()
{
    static const std::vector<Row<ParityRow>> rows = caseRows({DType::F32, DType::F16, DType::BF16});
    return rows;
}

// Logits after every token (one chunk through the prefill path), the final state, the case's
// chunks (1-token chunks take the decode path) and greedy decoding, one token per call.
void DeviceModelTests::parity(const ParityRow& r)
{
    const DType type = r.type;
    const ReferenceCase ref = loadReferenceCase(r.caseName);
    const Checkpoint ck = Checkpoint::open(ref.safetensors);
    const ReferenceRun run = runReferenceCase(*Model::load(ck, m_gpu, type), ref);
    const ReferenceRun cpu = runReferenceCase(*Model::load(ck, *m_cpu, type), ref);
    const double refTol = m_tolerances.reference(type), cpuTol = m_tolerances.cpu(type);
    const double cpuErr = nmse(run.logits, cpu.logits), stateErr = nmse(run.state, cpu.state);
    info("vs CPU NMSE: logits %.1e, state %.1e; vs reference max|Δ|/max|ref|: logits %.1e, state %.1e", cpuErr,
         stateErr, run.lastError, run.stateError);
    RWKV_CHECK2(cpuErr < cpuTol && stateErr < cpuTol, "against the CPU backend");
    RWKV_CHECK2(run.lastError < refTol && run.stateError < refTol, "against the reference");
    RWKV_CHECK2(run.positionsError < refTol, format("logits at positions: %g", run.positionsError));
    RWKV_CHECK2(run.chunksError < refTol, format("chunks: %g", run.chunksError));
    RWKV_CHECK(run.chunkedStateError < refTol);
    RWKV_CHECK(nmse(run.chunkedState, run.state) < cpuTol);
    RWKV_COMPARE(run.greedy, ref.greedyTokens);
}

// Splits across the 128-token chunk limit give the same result, and a state serialized
// mid-way, restored and continued is bit-identical to the uninterrupted run.
void DeviceModelTests::chunkingAndSnapshot()
{
    if (m_chunkModel.empty()) RWKV_SKIP("no checkpoint for the chunking test (the runner's --model)");
    const Checkpoint ck = Checkpoint::open(m_chunkModel);
    auto model = Model::load(ck, m_gpu, DType::F16);
    const double tol = m_tolerances.cpu(DType::F16);
    std::mt19937 gen(7);
    std::vector<int32_t> tokens(300);
    for (int32_t& t : tokens) t = int32_t(gen() % uint32_t(model->config().vocab));

    State whole = model->newState();
    const std::vector<float> wholeLogits = model->forward(tokens, whole);
    State split = model->newState();
    std::vector<float> splitLogits;
    for (auto [first, count] : {std::pair<size_t, size_t>{0, 1}, {1, 130}, {131, 3}, {134, 166}})
        splitLogits = model->forward(std::span(tokens).subspan(first, count), split);
    RWKV_CHECK(nmse(splitLogits, wholeLogits) < tol);
    RWKV_CHECK(nmse(stateValues(split), stateValues(whole)) < tol);

    State live = model->newState();
    model->forward(std::span(tokens).first(150), live);
    State restored = State::deserialize(live.serialize(), model->config(), model->fingerprint());
    const auto rest = std::span(tokens).subspan(150);
    const std::vector<float> liveLogits = model->forward(rest, live);
    RWKV_CHECK(sameBits(model->forward(rest, restored), liveLogits));
    RWKV_CHECK(sameBits(stateValues(restored), stateValues(live)));
}

// Layer splits on the GPU: two stages on one GPU equal one stage bit for bit; a split
// GPU -> CPU (x and v_first cross over) matches the reference.
void DeviceModelTests::splitRuns()
{
    const ReferenceCase ref = loadReferenceCase("x070_c128_l2_v1000");
    const Checkpoint ck = Checkpoint::open(ref.safetensors);
    auto run = [&](std::span<const StagePlan> plans, std::vector<float>& state) {
        auto model = Model::load(ck, plans);
        State s = model->newState();
        std::vector<float> logits = model->forward(ref.tokens, s, true);
        state = stateValues(s);
        return logits;
    };
    const StagePlan single[] = {{&m_gpu, DType::F32, -1}};
    const StagePlan twoStages[] = {{&m_gpu, DType::F32, 1}, {&m_gpu, DType::F32, -1}};
    std::vector<float> state, splitState;
    const std::vector<float> logits = run(single, state), splitLogits = run(twoStages, splitState);
    RWKV_CHECK(sameBits(splitLogits, logits));
    RWKV_CHECK(sameBits(splitState, state));

    const StagePlan toCpu[] = {{&m_gpu, DType::F16, 1}, {m_cpu.get(), DType::F32, -1}};
    const std::vector<float> mixed = run(toCpu, splitState);
    const std::vector<float> last(mixed.end() - long(ref.logitsLast.size()), mixed.end());
    const double tol = m_tolerances.reference(DType::F16);
    RWKV_CHECK(relativeMaxError(last, ref.logitsLast) < tol);
    State asState = Model::load(ck, single)->newState();
    std::copy(splitState.begin(), splitState.end(), asState.data().begin());
    RWKV_CHECK(relativeMaxError(toReferenceStateLayout(asState), ref.stateFlat) < tol);
}

// Decoding keeps the state on the device: one upload, no download until it is read, the
// same floats as a run that reads it after every token. States interleaved on one model, a
// copy of a resident State and a State outliving its model stay exact.
void DeviceModelTests::residentState()
{
    const ReferenceCase ref = loadReferenceCase("x070_c128_l2_v1000");
    const Checkpoint ck = Checkpoint::open(ref.safetensors);
    auto model = Model::load(ck, m_gpu, DType::F32);
    const std::vector<int32_t>& a = ref.tokens;
    const std::vector<int32_t> b(a.rbegin(), a.rend());
    RWKV_CHECK(a.size() >= 4);

    State solo = model->newState();
    const Model::StateTransfers before = model->stateTransfers();
    const std::vector<float> soloLogits = decode(*model, a, solo);
    RWKV_COMPARE(model->stateTransfers().uploads - before.uploads, 1);
    RWKV_COMPARE(model->stateTransfers().downloads - before.downloads, 0);
    const std::vector<float> soloState = stateValues(solo);
    RWKV_COMPARE(model->stateTransfers().downloads - before.downloads, 1);

    State stepwise = model->newState();
    RWKV_CHECK(sameBits(decode(*model, a, stepwise, true), soloLogits));
    RWKV_CHECK(sameBits(stateValues(stepwise), soloState));
    auto cpuModel = Model::load(ck, *m_cpu, DType::F32);
    State onCpu = cpuModel->newState();
    RWKV_CHECK(nmse(decode(*cpuModel, a, onCpu), soloLogits) < m_tolerances.cpu(DType::F32));
    RWKV_CHECK(nmse(stateValues(onCpu), soloState) < m_tolerances.cpu(DType::F32));
    RWKV_COMPARE(cpuModel->stateTransfers().uploads + cpuModel->stateTransfers().downloads, 0);

    State soloB = model->newState();
    const std::vector<float> soloBLogits = decode(*model, b, soloB);
    State sa = model->newState(), sb = model->newState();
    std::vector<float> la, lb;
    for (size_t i = 0; i < a.size(); ++i) {
        la = model->forward(std::span(&a[i], 1), sa);
        lb = model->forward(std::span(&b[i], 1), sb);
    }
    RWKV_CHECK(sameBits(la, soloLogits) && sameBits(lb, soloBLogits));
    RWKV_CHECK(sameBits(stateValues(sa), soloState) && sameBits(stateValues(sb), stateValues(soloB)));

    const size_t half = a.size() / 2;
    State prefix = model->newState();
    decode(*model, std::span(a).first(half), prefix);
    State copy = prefix;
    const std::vector<float> atCopy = stateValues(copy);
    decode(*model, std::span(a).subspan(half), prefix);
    RWKV_CHECK(sameBits(stateValues(copy), atCopy));
    RWKV_CHECK(sameBits(decode(*model, std::span(a).subspan(half), copy), soloLogits));
    RWKV_CHECK(sameBits(stateValues(copy), soloState));

    State outlives;
    {
        auto shortLived = Model::load(ck, m_gpu, DType::F32);
        outlives = shortLived->newState();
        decode(*shortLived, a, outlives);
    }
    RWKV_CHECK(sameBits(stateValues(outlives), soloState));
}

// Decoding through a layer split with the GPU stage first or last matches one CPU stage;
// the GPU layers stay resident (one upload).
void DeviceModelTests::residentStateSplits()
{
    const ReferenceCase ref = loadReferenceCase("x070_c128_l2_v1000");
    const Checkpoint ck = Checkpoint::open(ref.safetensors);
    auto cpuModel = Model::load(ck, *m_cpu, DType::F32);
    State onCpu = cpuModel->newState();
    const std::vector<float> cpuLogits = decode(*cpuModel, ref.tokens, onCpu);
    const double tol = m_tolerances.cpu(DType::F32);
    const StagePlan gpuFirst[] = {{&m_gpu, DType::F32, 1}, {m_cpu.get(), DType::F32, -1}};
    const StagePlan cpuFirst[] = {{m_cpu.get(), DType::F32, 1}, {&m_gpu, DType::F32, -1}};
    for (std::span<const StagePlan> plans : {std::span<const StagePlan>(gpuFirst), std::span<const StagePlan>(cpuFirst)}) {
        auto model = Model::load(ck, plans);
        State s = model->newState();
        RWKV_CHECK(nmse(decode(*model, ref.tokens, s), cpuLogits) < tol);
        RWKV_COMPARE(model->stateTransfers().uploads, 1);
        RWKV_CHECK(nmse(stateValues(s), stateValues(onCpu)) < tol);
    }
}

// The meter counts what this process holds: at least a buffer it has just allocated.
void DeviceModelTests::memoryMeter()
{
    const size_t held = size_t(16) << 20;
    const std::unique_ptr<DeviceBuffer> buffer = m_gpu.allocate(held);
    const std::optional<MemoryInfo> m = m_gpu.memoryInfo();
    RWKV_CHECK(m.has_value());
    info("device memory: %llu MiB used of %llu MiB", static_cast<unsigned long long>(m->used >> 20),
          static_cast<unsigned long long>(m->budget >> 20));
    RWKV_CHECK(m->budget > 0 && m->used >= held && m->used <= m->budget);
    RWKV_CHECK(!m_cpu->memoryInfo().has_value());
}

const std::vector<Row<DeviceModelTests::ParityRow>>& DeviceModelTests::quantizedRows()
{
    static const std::vector<Row<ParityRow>> rows = caseRows({DType::Q8, DType::Q4});
    return rows;
}

// int8 / q4 weights, quantized on load: the device equals the CPU running the fp32 model they
// decode to (the tests' own decoder), at every position, in the states, chunked and greedily.
// Their quality against fp32 is test_int8_model's and test_q4_model's.
void DeviceModelTests::quantized(const ParityRow& r)
{
    const ReferenceCase ref = loadReferenceCase(r.caseName);
    const Checkpoint ck = Checkpoint::open(ref.safetensors);
    const std::string stem = format("rwkv-gpu-%s-%s-%u", r.caseName.c_str(), dtypeName(r.type).data(), std::random_device{}());
    const std::filesystem::path decoded = std::filesystem::temp_directory_path() / (stem + "-decoded.safetensors");
    const std::filesystem::path stored = std::filesystem::temp_directory_path() / (stem + "-quantized.safetensors");
    writeDequantizedModel(ck, r.type, decoded.string());
    writeQuantizedCheckpoint(ck, stored, r.type);
    const ReferenceRun cpu = runReferenceCase(*Model::load(Checkpoint::open(decoded), *m_cpu, DType::F32), ref);
    const ReferenceRun run = runReferenceCase(*Model::load(ck, m_gpu, r.type), ref);
    // A file written by `rwkv-cli quantize` holds the same blocks: uploaded as read, not converted.
    const ReferenceRun fromFile = runReferenceCase(*Model::load(Checkpoint::open(stored), m_gpu, r.type), ref);
    std::filesystem::remove(decoded);
    std::filesystem::remove(stored);
    // CUDA's prefill rounds activations and decoded weights to fp16: fp16's bound.
    const double tol = m_tolerances.cpu(DType::F16);
    const double logitsErr = nmse(run.logits, cpu.logits), stateErr = nmse(run.state, cpu.state);
    info("vs the decoded fp32 model on the CPU, NMSE: logits %.1e, state %.1e", logitsErr, stateErr);
    RWKV_CHECK(logitsErr < tol && stateErr < tol);
    RWKV_CHECK(nmse(run.chunkedState, cpu.chunkedState) < tol);
    RWKV_COMPARE(run.greedy, cpu.greedy);
    RWKV_CHECK(nmse(fromFile.logits, run.logits) < tol && nmse(fromFile.state, run.state) < tol);
}

void DeviceModelTests::missingDeviceIsAClearError()
{
    try {
        createDevice("vulkan:99");
        RWKV_FAIL("vulkan:99 was created");
    } catch (const Error& e) {
        RWKV_COMPARE(e.code(), ErrorCode::InvalidArgument);
        RWKV_CHECK2(std::string(e.what()).find("vulkan:99") != std::string::npos, e.what());
    }
    RWKV_THROWS(Error, createDevice("vulkan:x"));
}

std::vector<TestCase> DeviceModelTests::cases(const GpuKind& kind)
{
    std::vector<TestCase> c{
        dataCase("parity", parityRows(), [this](const ParityRow& r) { parity(r); }),
        plainCase("chunkingAndSnapshot", [this] { chunkingAndSnapshot(); }),
        plainCase("splitRuns", [this] { splitRuns(); }),
        plainCase("residentState", [this] { residentState(); }),
        plainCase("residentStateSplits", [this] { residentStateSplits(); }),
        dataCase("batched", batchedRows(), [this](const BatchedRow& r) { batched(r); }),
        plainCase("memoryMeter", [this] { memoryMeter(); }),
        dataCase("quantized", quantizedRows(), [this](const ParityRow& r) { quantized(r); }),
    };
    if (std::string_view(kind.prefix) == kVulkan.prefix)
        c.push_back(plainCase("missingDeviceIsAClearError", [this] { missingDeviceIsAClearError(); }));
    return c;
}

} // namespace rwkv::test
