// The batched step on a GPU device: States at different positions advanced together by
// Model::forwardBatch give what forward() gives them one at a time on the same device (fp32
// within 1e-5 of the largest logit, the same greedy tokens in bf16), for every generation, with
// the States kept on the device between steps.
#include "support/device_model_tests.h"

#include "core/checkpoint.h"
#include "core/model.h"
#include "support/reference_case.h"

#include <algorithm>

namespace rwkv::test {

namespace {

constexpr double kTolerance = 1e-5; // max|Δ| / max|one by one|, fp32, as on the CPU

std::vector<int32_t> tokensFor(size_t n, int vocab, uint32_t seed)
{
    std::vector<int32_t> t(n);
    for (size_t i = 0; i < n; ++i) t[i] = int32_t((seed * 131 + i * 17 + i * i * 5) % uint32_t(vocab));
    return t;
}

// States fed prompts of 0, 3 and 10 tokens; the last one fed stays resident on the device.
std::vector<State> statesAtPositions(Model& model)
{
    std::vector<State> states;
    for (size_t length : {0, 3, 10}) {
        states.push_back(model.newState());
        if (length > 0) model.forward(tokensFor(length, model.config().vocab, uint32_t(length)), states.back());
    }
    return states;
}

std::vector<float> rowOf(const std::vector<float>& rows, size_t i, size_t width)
{
    return {rows.begin() + ptrdiff_t(i * width), rows.begin() + ptrdiff_t((i + 1) * width)};
}

} // namespace

const std::vector<Row<DeviceModelTests::BatchedRow>>& DeviceModelTests::batchedRows()
{
    static const std::vector<Row<BatchedRow>> rows = [] {
        std::vector<Row<BatchedRow>> v;
        for (const char* c : {"x040_c128_l2_v1000", "x052_c128_l2_v1000", "x060_c128_l2_v1000", "x070_c128_l2_v1000"})
            v.push_back({c, {c}});
        return v;
    }();
    return rows;
}

// Four decode steps and one step of a 3-token chunk each in fp32, then greedy decoding in bf16.
void DeviceModelTests::batched(const BatchedRow& r)
{
    const Checkpoint ck = Checkpoint::open(loadReferenceCase(r.caseName).safetensors);
    auto model = Model::load(ck, m_gpu, DType::F32);
    std::vector<State> batched = statesAtPositions(*model), single = batched;
    std::vector<State*> ptrs;
    for (State& s : batched) ptrs.push_back(&s);
    const size_t B = batched.size(), V = size_t(model->config().vocab);
    for (size_t perStep : {1, 1, 1, 1, 3}) {
        std::vector<int32_t> tokens;
        for (size_t b = 0; b < B; ++b) {
            const std::vector<int32_t> t = tokensFor(perStep, int(V), uint32_t(40 + b + perStep));
            tokens.insert(tokens.end(), t.begin(), t.end());
        }
        const std::vector<float> logits = model->forwardBatch(tokens, ptrs);
        for (size_t b = 0; b < B; ++b) {
            const std::vector<float> want = model->forward(std::span(tokens).subspan(b * perStep, perStep), single[b]);
            const double err = relativeMaxError(rowOf(logits, b, V), want);
            RWKV_CHECK2(err < kTolerance, format("state %zu, %zu tokens: logits %g", b, perStep, err));
        }
    }
    // The States stayed in the device's batch buffers between the steps.
    RWKV_COMPARE(model->stateTransfers().batchIn, int64_t(B));
    RWKV_COMPARE(model->stateTransfers().batchOut, int64_t(0));
    for (size_t b = 0; b < B; ++b) {
        const std::vector<float> got(batched[b].data().begin(), batched[b].data().end());
        const std::vector<float> want(single[b].data().begin(), single[b].data().end());
        RWKV_CHECK2(relativeMaxError(got, want) < kTolerance, format("state %zu", b));
    }

    auto bf16 = Model::load(ck, m_gpu, DType::BF16);
    std::vector<State> greedy = statesAtPositions(*bf16), alone = greedy;
    for (size_t b = 0; b < B; ++b) ptrs[b] = &greedy[b];
    std::vector<int32_t> next = {5, 6, 7}, nextAlone = next;
    for (int step = 0; step < 16; ++step) {
        const std::vector<float> logits = bf16->forwardBatch(next, ptrs);
        for (size_t b = 0; b < B; ++b) {
            const std::vector<float> row = rowOf(logits, b, V);
            next[b] = int32_t(std::max_element(row.begin(), row.end()) - row.begin());
            const std::vector<float> one = bf16->forward(std::span(&nextAlone[b], 1), alone[b]);
            nextAlone[b] = int32_t(std::max_element(one.begin(), one.end()) - one.begin());
        }
        RWKV_CHECK2(next == nextAlone, format("greedy tokens differ at step %d", step));
    }
}

} // namespace rwkv::test
