#pragma once
// How well a model predicts a text, and how far one weight precision moves its predictions from
// another's: the sums behind `rwkv-cli perplexity`, fed one row of logits (one position) at a
// time. All arithmetic is in double; softmax is taken after subtracting the row's maximum, so
// large logits cannot overflow. A row with a NaN or infinite logit is refused
// (Error(InvalidArgument)): one such row would turn every mean into NaN without saying where.
#include <cstdint>
#include <span>
#include <vector>

namespace rwkv {

// log softmax(logits): log p_i = x_i − max − log Σ_j exp(x_j − max), in nats.
std::vector<double> logSoftmax(std::span<const float> logits);

// Negative log-likelihood of the tokens that actually follow, summed over positions.
class PerplexityMeter {
public:
    // One position: `logits` (one per vocabulary id) predicting `target`. Throws
    // Error(InvalidArgument) for a target outside the row or a non-finite logit.
    void add(std::span<const float> logits, int32_t target);

    int64_t count() const { return m_count; }
    // Mean NLL in nats per token; 0 before the first position.
    double meanNll() const;
    // exp(meanNll()): the number of equally likely tokens that would be as surprising.
    double perplexity() const;
    // Total NLL in bits divided by the bytes of text the predicted tokens cover.
    double bitsPerByte(uint64_t bytes) const;

private:
    int64_t m_count = 0;
    double m_nllSum = 0;
};

// A candidate's logits against a reference's at the same positions (e.g. int8 against fp32).
class LogitsAgreement {
public:
    // One position, both rows of the same length. KL(P_reference || P_candidate) =
    // Σ p_i (log p_i − log q_i); top-1 agrees when both rows have their first maximum at the same
    // index. Throws Error(InvalidArgument) for rows of different lengths or non-finite logits.
    void add(std::span<const float> reference, std::span<const float> candidate);

    int64_t count() const { return m_count; }
    // Mean KL divergence in nats per position; 0 before the first position.
    double meanKl() const;
    // Fraction of positions whose argmax agrees, in [0, 1]; 0 before the first position.
    double top1Agreement() const;
    // Largest |reference_i − candidate_i| over every logit seen.
    double maxAbsDiff() const { return m_maxAbsDiff; }

private:
    int64_t m_count = 0;
    int64_t m_top1 = 0;
    double m_klSum = 0;
    double m_maxAbsDiff = 0;
};

} // namespace rwkv
