#pragma once
// A bf16-weight matmul with its exact answer, for the tests of the prefill paths that round or
// split activations (test_cpu_bf16_dot, test_cpu_amx): normal activations, bf16 weights, and per
// output Σ x·w and Σ|x·w| in double.
#include <cstdint>
#include <string>
#include <vector>

namespace rwkv::test {

struct Bf16MatmulProblem {
    int T, I, O;
    std::vector<float> x;              // [T, I]
    std::vector<uint16_t> w;           // [O, I] bf16 bits
    std::vector<double> want, scale;   // Σ x w and Σ|x w| per output, in double
    double sumSquaredTerms = 0;        // Σ_o Σ_i (x_i w_i)²
};

Bf16MatmulProblem makeBf16MatmulProblem(int T, int I, int O);

// With y = the [T, O] result of a problem whose activation rows `badRows` hold an Inf or NaN:
// empty when exactly those rows are not finite, else the first output that breaks it.
std::string nonFiniteRowsProblem(const std::vector<float>& y, int T, int O, const std::vector<int>& badRows);

} // namespace rwkv::test
