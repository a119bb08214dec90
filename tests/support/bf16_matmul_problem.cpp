#include "support/bf16_matmul_problem.h"

#include "core/dtype.h"
#include "support/device_compare.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace rwkv::test {

Bf16MatmulProblem makeBf16MatmulProblem(int T, int I, int O)
{
    Bf16MatmulProblem p{T, I, O, normals(size_t(T) * I, uint32_t(T * 7919 + I * 31 + O)), {}, {}, {}, 0};
    const std::vector<float> wf = normals(size_t(O) * I, uint32_t(O * 131 + I), 0.0f, 0.2f);
    p.w.resize(wf.size());
    std::vector<double> wd(wf.size());
    for (size_t i = 0; i < wf.size(); ++i) {
        p.w[i] = floatToBf16(wf[i]);
        wd[i] = double(std::bit_cast<float>(uint32_t(p.w[i]) << 16));
    }
    p.want.resize(size_t(T) * O);
    p.scale.resize(size_t(T) * O);
    for (int t = 0; t < T; ++t)
        for (int o = 0; o < O; ++o) {
            double acc = 0, mag = 0;
            for (int i = 0; i < I; ++i) {
                const double term = double(p.x[size_t(t) * I + i]) * wd[size_t(o) * I + i];
                acc += term;
                mag += std::fabs(term);
                p.sumSquaredTerms += term * term;
            }
            p.want[size_t(t) * O + o] = acc;
            p.scale[size_t(t) * O + o] = mag;
        }
    return p;
}

std::string nonFiniteRowsProblem(const std::vector<float>& y, int T, int O, const std::vector<int>& badRows)
{
    for (int t = 0; t < T; ++t) {
        const bool bad = std::find(badRows.begin(), badRows.end(), t) != badRows.end();
        for (int o = 0; o < O; ++o)
            if (std::isfinite(y[size_t(t) * O + o]) == bad)
                return "row " + std::to_string(t) + " output " + std::to_string(o) + (bad ? " is finite" : " is not finite");
    }
    return {};
}

} // namespace rwkv::test
