#pragma once
// Runs test cases (support/check.h) row by row, printing a line per row (PASS, FAIL with
// where and why, SKIP with why) and keeping the totals.
#include "support/check.h"

#include <string>
#include <vector>

namespace rwkv::test {

struct Totals {
    int passed = 0, failed = 0, skipped = 0;
};

class Runner {
public:
    // Only rows whose "suite/test row" name contains filter run (all when empty).
    explicit Runner(std::string filter) : m_filter(std::move(filter)) {}

    void run(const std::string& suite, const std::vector<TestCase>& cases);
    // A whole suite skipped (no device), counted as one skip as Qt Test counts a skipped initTestCase.
    void skipSuite(const std::string& suite, const std::string& why);
    void fail(const std::string& name, const std::string& why);

    const Totals& totals() const { return m_totals; }

private:
    bool selected(const std::string& name) const;

    std::string m_filter;
    Totals m_totals;
};

} // namespace rwkv::test
