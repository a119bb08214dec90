#include "core/perplexity.h"

#include "core/error.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

namespace rwkv {

namespace {

size_t firstArgmax(std::span<const float> row)
{
    return size_t(std::max_element(row.begin(), row.end()) - row.begin());
}

} // namespace

std::vector<double> logSoftmax(std::span<const float> logits)
{
    if (logits.empty()) throw Error(ErrorCode::InvalidArgument, "an empty row of logits");
    for (size_t i = 0; i < logits.size(); ++i)
        if (!std::isfinite(logits[i]))
            throw Error(ErrorCode::InvalidArgument, "logit " + std::to_string(i) + " is not a finite number");
    const double max = *std::max_element(logits.begin(), logits.end());
    // Every exp(x − max) is in (0, 1] and one of them is 1, so the sum is in [1, V].
    double sum = 0;
    for (float x : logits) sum += std::exp(double(x) - max);
    const double logSum = std::log(sum);
    std::vector<double> out(logits.size());
    for (size_t i = 0; i < logits.size(); ++i) out[i] = double(logits[i]) - max - logSum;
    return out;
}

void PerplexityMeter::add(std::span<const float> logits, int32_t target)
{
    if (target < 0 || size_t(target) >= logits.size())
        throw Error(ErrorCode::InvalidArgument, "token " + std::to_string(target) + " is outside the "
                                                    + std::to_string(logits.size()) + " logits");
    m_nllSum -= logSoftmax(logits)[size_t(target)];
    ++m_count;
}

double PerplexityMeter::meanNll() const
{
    return m_count ? m_nllSum / double(m_count) : 0.0;
}

double PerplexityMeter::perplexity() const
{
    return std::exp(meanNll());
}

double PerplexityMeter::bitsPerByte(uint64_t bytes) const
{
    return bytes ? m_nllSum / std::numbers::ln2 / double(bytes) : 0.0;
}

void LogitsAgreement::add(std::span<const float> reference, std::span<const float> candidate)
{
    if (reference.size() != candidate.size())
        throw Error(ErrorCode::InvalidArgument, "rows of " + std::to_string(reference.size()) + " and "
                                                    + std::to_string(candidate.size()) + " logits");
    const std::vector<double> logP = logSoftmax(reference);
    const std::vector<double> logQ = logSoftmax(candidate);
    double kl = 0;
    for (size_t i = 0; i < logP.size(); ++i) {
        kl += std::exp(logP[i]) * (logP[i] - logQ[i]);
        m_maxAbsDiff = std::max(m_maxAbsDiff, std::abs(double(reference[i]) - double(candidate[i])));
    }
    // KL is never negative; rounding can leave a few ulps below zero when P ≈ Q.
    m_klSum += std::max(kl, 0.0);
    m_top1 += firstArgmax(reference) == firstArgmax(candidate) ? 1 : 0;
    ++m_count;
}

double LogitsAgreement::meanKl() const
{
    return m_count ? m_klSum / double(m_count) : 0.0;
}

double LogitsAgreement::top1Agreement() const
{
    return m_count ? double(m_top1) / double(m_count) : 0.0;
}

} // namespace rwkv
