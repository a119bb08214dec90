#include "core/sampler.h"

#include "core/error.h"
#include "core/fast_exp.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <utility>

namespace rwkv {
namespace {

uint64_t initialSeed(const std::optional<uint64_t>& seed)
{
    if (seed)
        return *seed;
    std::random_device device; // 32 bits per call
    return (static_cast<uint64_t>(device()) << 32) ^ device();
}

// Order of the sorted distribution: larger probability first, ties by lower id so that every
// partial sort below is deterministic.
bool before(float pa, int32_t ida, float pb, int32_t idb)
{
    return pa > pb || (pa == pb && ida < idb);
}

// The probability at which the running sum of the probabilities, taken in `before` order, first
// reaches target (0 < target), or 0 if it never does. Instead of sorting everything this is a
// quickselect on mass: partition around a pivot, keep whichever side holds the crossing point;
// expected O(n) even for flat distributions. The running sum is double; the official float32
// cumsum can only differ when the sum lands within float rounding of top_p.
template <typename Item, typename Cmp>
float nucleusCutoff(std::span<Item> items, double target, Cmp cmp)
{
    const auto at = [&](size_t i) -> Item& { return items[i]; };
    const auto medianOfThree = [&](size_t x, size_t y, size_t z) {
        if (cmp(at(x), at(y)))
            return cmp(at(y), at(z)) ? y : (cmp(at(x), at(z)) ? z : x);
        return cmp(at(x), at(z)) ? x : (cmp(at(y), at(z)) ? z : y);
    };
    double cumulative = 0.0; // mass of everything ordered before lo; always < target here
    size_t lo = 0;
    size_t hi = items.size();
    while (hi - lo > 16) {
        std::swap(at(medianOfThree(lo, lo + (hi - lo) / 2, hi - 1)), at(hi - 1));
        const Item pivot = at(hi - 1);
        const auto first = items.begin() + static_cast<std::ptrdiff_t>(lo);
        const auto last = items.begin() + static_cast<std::ptrdiff_t>(hi - 1);
        const size_t mid = static_cast<size_t>(std::partition(first, last, [&](const Item& c) { return cmp(c, pivot); }) - items.begin());
        std::swap(at(mid), at(hi - 1));
        double upper = 0.0;
        for (size_t i = lo; i < mid; ++i)
            upper += static_cast<double>(at(i).p);
        if (cumulative + upper >= target) {
            hi = mid;
            continue;
        }
        cumulative += upper + static_cast<double>(pivot.p);
        if (cumulative >= target)
            return pivot.p;
        lo = mid + 1;
    }
    std::sort(items.begin() + static_cast<std::ptrdiff_t>(lo), items.begin() + static_cast<std::ptrdiff_t>(hi), cmp);
    for (size_t i = lo; i < hi; ++i) {
        cumulative += static_cast<double>(at(i).p);
        if (cumulative >= target)
            return at(i).p;
    }
    return 0.0f;
}

// The largest logit (-inf when none is larger; NaN never wins), in eight independent lanes
// with no token index to carry: the loop that tracked the argmax took a fifth of a draw.
float largest(std::span<const float> logits)
{
    const float negInf = -std::numeric_limits<float>::infinity();
    float lane[8] = {negInf, negInf, negInf, negInf, negInf, negInf, negInf, negInf};
    size_t i = 0;
    for (; i + 8 <= logits.size(); i += 8)
        for (size_t k = 0; k < 8; ++k)
            lane[k] = logits[i + k] > lane[k] ? logits[i + k] : lane[k];
    for (; i < logits.size(); ++i)
        lane[0] = logits[i] > lane[0] ? logits[i] : lane[0];
    return *std::max_element(lane, lane + 8);
}

} // namespace

float occurrenceWeight(std::string_view tokenText)
{
    constexpr std::string_view kExempt = " \t0123456789";
    return kExempt.find(tokenText) == std::string_view::npos ? 1.0f : 0.0f;
}

Sampler::Sampler(SamplingParams params) : m_params(std::move(params)), m_rng(initialSeed(m_params.seed)) {}

void Sampler::accept(int32_t token, float weight)
{
    assert(token >= 0);
    const auto index = static_cast<size_t>(token);
    if (index >= m_present.size()) {
        m_present.resize(index + 1, 0);
        m_occurrence.resize(index + 1, 0.0);
    }
    // Decay before adding, as PIPELINE.generate does: the new token's own weight is not decayed.
    for (const int32_t id : m_seen)
        m_occurrence[static_cast<size_t>(id)] *= static_cast<double>(m_params.penaltyDecay);
    if (m_present[index]) {
        m_occurrence[index] += weight;
    } else {
        m_present[index] = 1;
        m_occurrence[index] = weight;
        m_seen.push_back(token);
    }
}

void Sampler::reset()
{
    for (const int32_t id : m_seen)
        m_present[static_cast<size_t>(id)] = 0;
    m_seen.clear();
}

void Sampler::applyPenalties(std::span<float> logits) const
{
    const float negInf = -std::numeric_limits<float>::infinity();
    for (const int32_t id : m_params.bannedTokens) {
        if (id >= 0 && static_cast<size_t>(id) < logits.size())
            logits[static_cast<size_t>(id)] = negInf;
    }
    // The official code keeps occurrences as Python floats (double) and subtracts the double
    // penalty from a float32 logit; computing in double and rounding once matches that.
    const auto presence = static_cast<double>(m_params.presencePenalty);
    const auto frequency = static_cast<double>(m_params.frequencyPenalty);
    for (const int32_t id : m_seen) {
        const auto index = static_cast<size_t>(id);
        if (index < logits.size())
            logits[index] -= static_cast<float>(presence + m_occurrence[index] * frequency);
    }
}

double Sampler::uniform01()
{
    // Our own conversion: std::uniform_real_distribution differs between standard libraries.
    return static_cast<double>(m_rng() >> 11) * 0x1.0p-53;
}

int32_t Sampler::sample(std::span<float> logits)
{
    applyPenalties(logits);

    // Comparisons with NaN are false, so NaN logits never become the maximum nor a candidate.
    const float negInf = -std::numeric_limits<float>::infinity();
    const float maxLogit = largest(logits);
    if (!(maxLogit > negInf))
        throw Error(ErrorCode::InvalidArgument, "no token can be sampled: every logit is banned, -inf or NaN");
    const auto argmax = static_cast<int32_t>(std::find(logits.begin(), logits.end(), maxLogit) - logits.begin());

    // The official greedy mode keeps all tokens tied for the maximum and draws among them;
    // we return the lowest id so that temperature 0 is fully deterministic.
    const float temperature = m_params.temperature;
    if (!(temperature > 0.0f))
        return argmax;

    // Softmax over the finite logits; exact zeros (underflow, -inf, NaN) are never drawn.
    // The exponentials go to a scratch array first so the loop has no branches and vectorizes
    // (expNonPositive gives 0 for -inf and NaN).
    m_exp.resize(logits.size());
    float* e = m_exp.data();
    for (size_t i = 0; i < logits.size(); ++i)
        e[i] = expNonPositive(logits[i] - maxLogit);
    double partial[4] = {0.0, 0.0, 0.0, 0.0}; // independent sums keep the adds pipelined
    size_t i = 0;
    for (; i + 4 <= m_exp.size(); i += 4)
        for (size_t k = 0; k < 4; ++k)
            partial[k] += static_cast<double>(m_exp[i + k]);
    for (; i < m_exp.size(); ++i)
        partial[0] += static_cast<double>(m_exp[i]);
    const double inverseSum = 1.0 / (partial[0] + partial[1] + partial[2] + partial[3]);

    // Tokens below (1 - top_p) / V can never be inside the nucleus: together they hold less than
    // 1 - top_p, so the sorted running sum reaches top_p before them. Dropping them up front
    // leaves a few hundred candidates for a typical model instead of V. Half that bound is
    // kept as a margin for rounding.
    const float topP = m_params.topP;
    float keepFrom = 0.0f;
    if (topP > 0.0f && topP < 1.0f)
        keepFrom = 0.5f * (1.0f - topP) / static_cast<float>(logits.size());
    // Written unconditionally and counted, because which tokens pass is close to random and a
    // branch here mispredicts constantly.
    m_candidates.resize(logits.size());
    size_t count = 0;
    for (size_t id = 0; id < m_exp.size(); ++id) {
        const auto p = static_cast<float>(static_cast<double>(m_exp[id]) * inverseSum);
        m_candidates[count] = {p, static_cast<int32_t>(id)};
        count += (p > 0.0f && p >= keepFrom) ? 1 : 0;
    }
    std::span<Candidate> candidates(m_candidates.data(), count);

    const auto cmp = [](const Candidate& a, const Candidate& b) { return before(a.p, a.id, b.p, b.id); };

    // Top-p on the untempered distribution (official: first index where the running sum of the
    // sorted probabilities reaches top_p; that probability is the cutoff). The official code
    // turns greedy when the sum never reaches top_p (always with top_p = 1); we keep every token.
    float cutoff = 0.0f;
    if (!(topP > 0.0f))
        cutoff = std::max_element(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) { return a.p < b.p; })->p;
    else if (topP < 1.0f)
        cutoff = nucleusCutoff(candidates, static_cast<double>(topP), cmp);
    // Tokens tied with the cutoff survive (official: probs[probs < cutoff] = 0).
    const auto survivorsEnd = std::remove_if(candidates.begin(), candidates.end(), [cutoff](const Candidate& c) { return c.p < cutoff; });
    candidates = candidates.first(static_cast<size_t>(survivorsEnd - candidates.begin()));

    if (m_params.topK > 0 && candidates.size() > static_cast<size_t>(m_params.topK)) {
        const auto k = static_cast<size_t>(m_params.topK);
        std::nth_element(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(k), candidates.end(), cmp);
        candidates = candidates.first(k);
    }

    // p^(1/T) renormalised equals exp((logit - max) / T) renormalised; the logit form does not
    // underflow for small T (the maximum always survives with weight 1).
    if (temperature != 1.0f) {
        for (Candidate& c : candidates)
            c.p = std::exp((logits[static_cast<size_t>(c.id)] - maxLogit) / temperature);
    }
    // Drawn in token-id order, as the official multinomial over the vocabulary is. The order the
    // selection above leaves depends on near-ties between probabilities, so logits differing in
    // their last bits (a batched step's other summation order) would map the same random number
    // to another token; in id order they move the boundaries only by as much as they differ.
    const auto byId = [](const Candidate& a, const Candidate& b) { return a.id < b.id; };
    if (!std::is_sorted(candidates.begin(), candidates.end(), byId))
        std::sort(candidates.begin(), candidates.end(), byId);
    double total = 0.0;
    for (const Candidate& c : candidates)
        total += static_cast<double>(c.p);
    const double target = uniform01() * total;
    double running = 0.0;
    for (const Candidate& c : candidates) {
        running += static_cast<double>(c.p);
        if (running > target)
            return c.id;
    }
    return candidates.back().id;
}

} // namespace rwkv
