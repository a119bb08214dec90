#pragma once
// Token sampling as the official PIPELINE does it (spec §7.1) with occurrence penalties (§7.2).
#include <cstdint>
#include <optional>
#include <random>
#include <span>
#include <string_view>
#include <vector>

namespace rwkv {

// Defaults are the official PIPELINE_ARGS defaults.
struct SamplingParams {
    float temperature = 1.0f;       // 0 = greedy (argmax, ties -> lowest id)
    float topP = 0.85f;             // nucleus mass on the untempered softmax; >= 1 = no cutoff
    int topK = 0;                   // 0 (or >= vocab) = no limit
    float presencePenalty = 0.2f;   // subtracted from the logit of every token seen so far
    float frequencyPenalty = 0.2f;  // times the token's decayed occurrence weight, also subtracted
    float penaltyDecay = 0.996f;    // occurrences are multiplied by this once per accepted token
    std::vector<int32_t> bannedTokens; // logits set to -inf before sampling
    std::optional<uint64_t> seed;   // nullopt = seeded from std::random_device
};

// Weight a generated token adds to its occurrence count: 0 if its decoded text is a substring
// of " \t0123456789" (Python `in`, so "" and "01" count as substrings), else 1.
float occurrenceWeight(std::string_view tokenText);

// One generation's sampler. Random draws use std::mt19937_64 seeded with params.seed and our
// own [0,1) conversion, so a seed reproduces the same tokens on every platform, but the random
// stream is not Python's: the same seed does not give the tokens the official code gives.
// The draw walks the surviving tokens in id order, so logits that differ only in their last
// bits (a batched step) give the same token unless the draw falls within that difference.
class Sampler {
public:
    explicit Sampler(SamplingParams params);

    // Sets banned logits to -inf and subtracts occurrence penalties, in place, then draws a token
    // as PIPELINE.sample_logits. NaN logits are never drawn. Throws Error(InvalidArgument) if
    // no token is left to draw (everything banned, -inf or NaN).
    int32_t sample(std::span<float> logits);
    // Records a generated token: decays every occurrence by penaltyDecay, then adds `weight`
    // (usually occurrenceWeight(text)) to `token`. A weight-0 token still pays the presence penalty.
    void accept(int32_t token, float weight);
    // Forgets all occurrences (new generation); the random stream continues.
    void reset();
    const SamplingParams& params() const { return m_params; }

private:
    struct Candidate {
        float p;
        int32_t id;
    };

    void applyPenalties(std::span<float> logits) const;
    double uniform01();

    SamplingParams m_params;
    std::mt19937_64 m_rng;
    std::vector<double> m_occurrence;  // by token id; valid where m_present is set
    std::vector<uint8_t> m_present;
    std::vector<int32_t> m_seen;       // ids with an occurrence entry, in first-seen order
    std::vector<float> m_exp;            // scratch: exp(logit - max) by token id
    std::vector<Candidate> m_candidates; // scratch: tokens still in the running
};

} // namespace rwkv
