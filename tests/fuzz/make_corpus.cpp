// Writes the seed corpora of the fuzz targets (docs/fuzzing.md):
//   build-fuzz/fuzz/fuzz_make_corpus tests/fuzz/corpus
// Good inputs come from the project's own writers (a tiny random model as .pth and safetensors,
// the snapshot codec, the .rwkvx writer) and the test data (texts, tokenizer cases); each is also
// written truncated and with bits flipped near where formats keep their headers. Deterministic.
// The structure-aware targets also get record inputs (fuzz_harness.h), all of sane layouts:
// finding the hostile ones is the fuzzer's job.
#include "fuzz_harness.h"
#include "support/pth_builder.h"

#include "core/io/safetensors_writer.h"
#include "core/random_model.h"
#include "core/state.h"
#include "core/store/snapshot_codec.h"
#include "core/store/transfer_description.h"
#include "core/store/transfer_file.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <random>

namespace {

using namespace rwkv;
namespace fs = std::filesystem;

fs::path g_out;
std::mt19937 g_rng(22);

std::string readFile(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

void put(const std::string& target, const std::string& name, const std::string& bytes)
{
    fs::create_directories(g_out / target);
    std::ofstream(g_out / target / name, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
}

// The good input, half of it, and two copies with a bit flipped in the first KiB or the last
// 256 bytes (headers, pickles, central directories).
void putWithVariants(const std::string& target, const std::string& name, const std::string& bytes)
{
    put(target, name, bytes);
    if (bytes.size() < 4) return;
    put(target, name + ".truncated", bytes.substr(0, bytes.size() / 2));
    for (int i = 0; i < 2; ++i) {
        std::string flipped = bytes;
        const size_t head = std::min<size_t>(bytes.size(), 1024), tail = std::min<size_t>(bytes.size(), 256);
        const size_t at = g_rng() % 2 ? g_rng() % head : bytes.size() - 1 - g_rng() % tail;
        flipped[at] = char(flipped[at] ^ (1 << (g_rng() % 8)));
        put(target, name + ".flip" + std::to_string(i), flipped);
    }
}

std::string toString(std::span<const std::byte> bytes) { return {reinterpret_cast<const char*>(bytes.data()), bytes.size()}; }

std::string storageClass(DType t)
{
    return t == DType::BF16 ? "BFloat16Storage" : t == DType::F16 ? "HalfStorage" : t == DType::F64 ? "DoubleStorage" : "FloatStorage";
}

// The tensors as torch.save writes them: one storage each, contiguous.
std::string pthOf(const std::vector<NamedTensor>& tensors, std::string* pickle)
{
    std::vector<test::pth::FakeTensor> fakes;
    std::vector<std::pair<std::string, std::string>> storages;
    for (const NamedTensor& t : tensors) {
        test::pth::FakeTensor f{t.name, std::to_string(fakes.size()), int64_t(t.bytes.size() / dtypeSize(t.dtype)), 0, t.shape, {}, storageClass(t.dtype)};
        int64_t stride = 1;
        f.stride.assign(t.shape.size(), 1);
        for (size_t k = t.shape.size(); k-- > 0;) f.stride[k] = stride, stride *= t.shape[k];
        fakes.push_back(f);
        storages.emplace_back(f.storageKey, toString(t.bytes));
    }
    *pickle = test::pth::stateDictPickle(fakes);
    return test::pth::pthArchive(*pickle, storages);
}

std::string safetensorsOf(const std::vector<NamedTensor>& tensors)
{
    const fs::path path = fuzz::scratchPath("seed.safetensors");
    writeSafetensors(path, tensors);
    std::string bytes = readFile(path);
    fs::remove(path);
    return bytes;
}

std::vector<NamedTensor> tinyModel(Generation generation)
{
    RandomModelSpec spec;
    spec.generation = generation;
    spec.layers = fuzz::tinyConfig().nLayer;
    spec.width = fuzz::tinyConfig().nEmbd;
    spec.headSize = fuzz::tinyConfig().headSize;
    spec.vocab = fuzz::tinyConfig().vocab;
    spec.dtype = DType::BF16;
    return makeRandomModel(spec);
}

void checkpoints()
{
    std::string pickle;
    const std::string pth = pthOf(tinyModel(Generation::X070), &pickle);
    putWithVariants("checkpoint", "x070.pth", pth);
    putWithVariants("checkpoint", "x070.safetensors", safetensorsOf(tinyModel(Generation::X070)));
    put("checkpoint", "x040.safetensors", safetensorsOf(tinyModel(Generation::X040)));

    // The readers alone: a raw pickle, archives, a header (raw mode: byte 0 even, then the bytes).
    putWithVariants("pickle", "x070.pkl", '\0' + pickle);
    const std::vector<NamedTensor> model = tinyModel(Generation::X070);
    const std::vector<NamedTensor> small(model.begin(), model.begin() + 3);
    std::string smallPickle;
    const std::string archive = pthOf(small, &smallPickle);
    putWithVariants("zip", "small.pth", archive);
    put("zip", "zip64.zip", test::buildZip({{"a/data.pkl", smallPickle}, {"a/byteorder", "little"}}, {true, 64}));
    const std::string header = safetensorsOf(small);
    putWithVariants("safetensors", "small.safetensors", '\0' + header);
}

// Record inputs of sane layouts: (class, storage, numel, offset, dims, shape×4, stride×4, bytes).
void records()
{
    const std::vector<std::vector<int64_t>> contiguous = {{0, 0, 12, 0, 2, 3, 4, 0, 0, 4, 1, 0, 0, 0}};
    const std::vector<std::vector<int64_t>> views = {{0, 1, 24, 0, 2, 3, 4, 0, 0, 4, 1, 0, 0, 0},
                                                     {0, 1, 24, 12, 2, 4, 3, 0, 0, 1, 4, 0, 0, 0},
                                                     {2, 2, 8, 2, 1, 6, 0, 0, 0, 1, 0, 0, 0, 0}};
    const auto bytesOf = [](const std::vector<std::vector<int64_t>>& r) {
        const auto v = fuzz::FieldRecords::write(r);
        return std::string(v.begin(), v.end());
    };
    put("pickle", "records-contiguous", bytesOf(contiguous));
    put("pickle", "records-views", bytesOf(views));
    // (dtype, dims, shape×4, begin, end); 0, 0 = packed after the previous tensor.
    put("safetensors", "records-packed", bytesOf({{0, 2, 3, 4, 0, 0, 0, 0}, {2, 1, 5, 0, 0, 0, 0, 0}}));
    put("safetensors", "records-offsets", bytesOf({{1, 1, 4, 0, 0, 0, 0, 8}, {0, 0, 0, 0, 0, 0, 8, 12}}));
}

// A state of the tiny model with some non-zero floats.
State tinyState()
{
    State state(fuzz::tinyConfig(), fuzz::tinyFingerprint());
    auto floats = state.data();
    for (size_t i = 0; i < floats.size(); i += 7) floats[i] = float(i % 13) * 0.25f;
    return state;
}

void snapshotsAndTransfers()
{
    SnapshotCodec codec;
    const State state = tinyState();
    const EncodedSnapshot encoded = codec.encode(state);
    // Checksum halves as the codec prints them: high 64 bits first, each little-endian here.
    const auto halves = [](const std::string& hex) {
        std::string out;
        for (int half = 0; half < 2; ++half) {
            uint64_t v = std::stoull(hex.substr(size_t(half) * 16, 16), nullptr, 16);
            for (int b = 0; b < 8; ++b) out += char((v >> (8 * b)) & 0xff);
        }
        return out;
    };
    const auto serialized = state.serialize();
    std::string frame(reinterpret_cast<const char*>(&encoded.byteSize), 8);
    frame += char(encoded.formatVersion) + halves(encoded.checksum) + toString(encoded.data);
    putWithVariants("snapshot", "frame", frame);
    std::string plain(reinterpret_cast<const char*>(&encoded.byteSize), 8);
    plain += char(encoded.formatVersion) + halves(encoded.checksum) + toString(serialized);
    putWithVariants("snapshot", "serialized", plain);

    const std::string fp = fingerprintHex(fuzz::tinyFingerprint());
    const ModelConfig& c = fuzz::tinyConfig();
    const ModelRecord model{fp, "tiny.pth", "x070", c.nLayer, c.nEmbd, c.nHead, c.headSize, c.vocab};
    const fs::path file = fuzz::scratchPath("seed.rwkvx");
    StateDescription sd{"intro", "a note", {std::nullopt, fp, 0, 1700000000000}, {model}};
    {
        TransferFileWriter w(file, TransferKind::State, describeState(sd), 1);
        w.addSection(encoded);
        w.commit();
    }
    // Byte 0 odd: fuzz_transfer recomputes the whole-file checksum, so the flips reach further.
    putWithVariants("transfer", "state.rwkvx", '\1' + readFile(file));
    put("transfer", "state-as-is.rwkvx", '\0' + readFile(file));
    fs::remove(file);

    ConversationDescription cd;
    cd.title = "sums";
    cd.messages = {{1, 0, std::nullopt, MessageRole::User, "What is 7 + 5?", 1700000000000, std::nullopt},
                   {2, 0, 1, MessageRole::Assistant, "12.", 1700000000001, std::nullopt},
                   {3, 0, 2, MessageRole::Document, "notes.md", 1700000000002, 120}};
    cd.currentMessage = 2;
    cd.states = {{2, fp, 0, 1700000000001}};
    cd.models = {model};
    {
        TransferFileWriter w(file, TransferKind::Conversation, describeConversation(cd), 1);
        w.addSection(encoded);
        w.commit();
    }
    putWithVariants("transfer", "conversation.rwkvx", '\1' + readFile(file));
    fs::remove(file);
}

void texts(const fs::path& testData)
{
    const std::string prose = readFile(testData / "perplexity/prose.txt").substr(0, 3000);
    for (const char* tokenizer : {"world", "neox"}) {
        const auto cases = nlohmann::json::parse(readFile(testData / "tokenizer" / (std::string(tokenizer) + "_cases.json")));
        const std::string target = std::string(tokenizer) + "_tokenizer";
        const std::string lead = target == "world_tokenizer" ? std::string(1, '\x05') : std::string();
        int n = 0;
        for (const auto& item : cases.is_array() ? cases : cases.value("cases", nlohmann::json::array())) {
            if (n >= 12 || !item.contains("text") || !item["text"].is_string()) continue;
            put(target, "case" + std::to_string(n++), lead + item["text"].get<std::string>());
        }
        put(target, "prose", lead + prose.substr(0, 1000));
    }
    putWithVariants("document", "prose.txt", prose);
    put("document", "bom-crlf.txt", "\xEF\xBB\xBFTitle\r\n\r\nA line\r\nlone\rcarriage\n\xC3\xA9t\xC3\xA9 \xE2\x9C\x93\n");

    put("strategy", "cpu", "cpu fp32");
    put("strategy", "split", "cuda fp16 *10 -> cpu fp32");
    put("strategy", "three", "vulkan:1 bf16 *2 -> cuda:0 fp16 *3 -> cpu int8");

    // Byte 0 picks the endpoint: even = chat, odd = completions.
    put("api_request", "chat",
        std::string(1, '\0') + R"({"model":"rwkv-fuzz","messages":[{"role":"system","content":"Be brief."},)"
            R"({"role":"user","content":[{"type":"text","text":"Hi"}]}],"temperature":0.7,"top_p":0.9,"top_k":20,)"
            R"("max_tokens":32,"stop":["\n\n","User:"],"presence_penalty":0.1,"frequency_penalty":0.2,)"
            R"("penalty_decay":0.99,"seed":7,"stream":true,"stream_options":{"include_usage":true},"n":1})");
    put("api_request", "completion",
        std::string(1, '\1') + R"({"prompt":"The RWKV-7 Goose architecture is","max_tokens":16,"temperature":0,"stop":"."})");
    put("api_request", "bad-type", std::string(1, '\0') + R"({"messages":[{"role":"tool","content":null}],"max_tokens":-1})");
}

} // namespace

int main(int argc, char** argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: fuzz_make_corpus OUT_DIR (tests/fuzz/corpus)\n");
        return 2;
    }
    g_out = argv[1];
    checkpoints();
    records();
    snapshotsAndTransfers();
    texts(RWKV_FUZZ_TEST_DATA_DIR);
    return 0;
}
