// rwkv-cli perplexity FILE [--against S2]: how well the model predicts a text, and how far one
// strategy's predictions are from another's (e.g. int8 weights against fp32). The sums are
// core/perplexity's; this file reads the text, feeds it and prints.
#include "core/error.h"
#include "core/perplexity.h"
#include "core/tokenizer/utf8_stream_decoder.h"
#include "core/utf8_path.h"
#include "tools/rwkv-cli/commands.h"
#include "tools/rwkv-cli/model_setup.h"
#include "tools/rwkv-cli/progress_line.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>

namespace rwkv::cli {

namespace {

// Larger texts would take hours to score and hold their tokens in memory; a few MiB say enough.
constexpr uintmax_t kMaxTextBytes = 64ull << 20;

std::string readText(const std::string& name)
{
    const std::filesystem::path path = pathFromUtf8(name);
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) throw Error(ErrorCode::Io, "cannot read " + name + ": it is a folder");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(ErrorCode::Io, "cannot read " + name + ": " + std::strerror(errno));
    const uintmax_t size = std::filesystem::file_size(path, ec);
    if (!ec && size > kMaxTextBytes)
        throw Error(ErrorCode::InvalidArgument, name + " is " + formatBytes(int64_t(size)) + "; give a text of at most "
                                                    + formatBytes(int64_t(kMaxTextBytes)));
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) throw Error(ErrorCode::Io, "cannot read " + name + ": " + std::strerror(errno));
    if (text.empty()) throw Error(ErrorCode::BadFile, name + " is empty: there is no text to predict");
    if (!isValidUtf8(text)) throw Error(ErrorCode::BadFile, name + " is not UTF-8 text");
    return text;
}

// Both models' results over the same positions.
struct Scores {
    PerplexityMeter meter, referenceMeter;
    LogitsAgreement agreement;
};

// Feeds tokens[0, n−1) in chunks of at most `chunk` with logits at every position; position p
// predicts tokens[p+1].
Scores score(const std::vector<int32_t>& tokens, size_t chunk, Model& model, Model* reference)
{
    Scores s;
    State state = model.newState();
    std::optional<State> referenceState;
    if (reference) referenceState = reference->newState();
    const size_t V = size_t(model.config().vocab);
    const size_t predicted = tokens.size() - 1;
    ProgressLine progress(stderr);
    for (size_t begin = 0; begin < predicted; begin += chunk) {
        const size_t n = std::min(chunk, predicted - begin);
        const std::span<const int32_t> piece = std::span(tokens).subspan(begin, n);
        const std::vector<float> logits = model.forward(piece, state, true);
        std::vector<float> referenceLogits;
        if (reference) referenceLogits = reference->forward(piece, *referenceState, true);
        for (size_t i = 0; i < n; ++i) {
            const std::span<const float> row(logits.data() + i * V, V);
            const int32_t target = tokens[begin + i + 1];
            s.meter.add(row, target);
            if (!reference) continue;
            const std::span<const float> referenceRow(referenceLogits.data() + i * V, V);
            s.referenceMeter.add(referenceRow, target);
            s.agreement.add(referenceRow, row);
        }
        progress.show("scoring: " + std::to_string(begin + n) + " / " + std::to_string(predicted) + " tokens");
    }
    progress.clear();
    return s;
}

} // namespace

int runPerplexity(Invocation& call)
{
    Args& args = call.options;
    const auto against = args.value("against");
    const int maxTokens = args.intValue("max-tokens", 0);
    const bool json = args.flag("json");
    const int chunk = args.intValue("chunk-tokens", kMaxChunkTokens);
    if (maxTokens < 0 || maxTokens == 1) throw Error(ErrorCode::InvalidArgument, "--max-tokens must be at least 2");
    if (chunk < 1 || chunk > kMaxChunkTokens)
        throw Error(ErrorCode::InvalidArgument, "--chunk-tokens must be between 1 and " + std::to_string(kMaxChunkTokens));
    const ModelOptions options = readModelOptions(args);
    ModelOptions referenceOptions = options;
    if (against) referenceOptions.strategy = parseStrategy(*against);
    args.finish();
    const std::string& file = call.positionals[0];
    const std::string text = readText(file);

    LoadedModel m = loadModel(options);
    std::vector<int32_t> tokens = requireTokenizer(m).encode(text);
    if (maxTokens > 0 && tokens.size() > size_t(maxTokens)) tokens.resize(size_t(maxTokens));
    if (tokens.size() < 2)
        throw Error(ErrorCode::BadFile, file + " is a single token; perplexity needs at least 2 (the first is not predicted)");
    std::optional<LoadedModel> reference;
    if (against) reference = loadModel(referenceOptions);

    const Scores s = score(tokens, size_t(chunk), *m.model, reference ? reference->model.get() : nullptr);
    // The bytes of the predicted tokens (all but the first), for bits per byte.
    uint64_t bytes = 0;
    for (size_t i = 1; i < tokens.size(); ++i) bytes += m.tokenizer->tokenBytes(tokens[i]).size();

    if (json) {
        nlohmann::json j = {{"file", file},
                            {"strategy", m.strategy.text()},
                            {"tokens", tokens.size()},
                            {"predicted", s.meter.count()},
                            {"bytes", bytes},
                            {"mean_nll", s.meter.meanNll()},
                            {"perplexity", s.meter.perplexity()},
                            {"bits_per_byte", s.meter.bitsPerByte(bytes)}};
        if (reference)
            j["against"] = {{"strategy", reference->strategy.text()},
                            {"mean_nll", s.referenceMeter.meanNll()},
                            {"perplexity", s.referenceMeter.perplexity()},
                            {"mean_kl", s.agreement.meanKl()},
                            {"top1_agreement", s.agreement.top1Agreement()},
                            {"max_abs_logit_diff", s.agreement.maxAbsDiff()}};
        std::cout << j.dump() << "\n";
        return 0;
    }
    std::printf("%s: %zu tokens, %lld predicted (%llu bytes), strategy %s\n", file.c_str(), tokens.size(),
                static_cast<long long>(s.meter.count()), static_cast<unsigned long long>(bytes), m.strategy.text().c_str());
    std::printf("mean NLL %.6f nats/token, perplexity %.4f, %.4f bits per byte\n", s.meter.meanNll(), s.meter.perplexity(),
                s.meter.bitsPerByte(bytes));
    if (reference) {
        const double ratio = s.meter.perplexity() / s.referenceMeter.perplexity() - 1;
        std::printf("against %s: perplexity %.4f (%+.3f %%), KL %.6g nats/token, top-1 agreement %.2f %%, "
                    "max |logit difference| %.4g\n",
                    reference->strategy.text().c_str(), s.referenceMeter.perplexity(), 100 * ratio, s.agreement.meanKl(),
                    100 * s.agreement.top1Agreement(), s.agreement.maxAbsDiff());
    }
    return 0;
}

} // namespace rwkv::cli
