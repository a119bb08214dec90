#include "tests/gpu_runner/runner.h"

#include "support/check_report.h"

#include <chrono>
#include <cstdio>
#include <exception>

namespace rwkv::test {

namespace {

std::string rowName(const std::string& suite, const TestCase& c, size_t row)
{
    return suite + "/" + c.name + (c.rows.empty() ? "" : " " + c.rows[row]);
}

} // namespace

bool Runner::selected(const std::string& name) const { return m_filter.empty() || name.find(m_filter) != std::string::npos; }

void Runner::run(const std::string& suite, const std::vector<TestCase>& cases)
{
    for (const TestCase& c : cases) {
        for (size_t row = 0; row < std::max<size_t>(c.rows.size(), 1); ++row) {
            const std::string name = rowName(suite, c, row);
            if (!selected(name)) continue;
            check::Report& report = check::current();
            report.reset();
            const auto t0 = std::chrono::steady_clock::now();
            try {
                c.run(row);
            } catch (const std::exception& e) {
                report.fail("exception", 0, e.what());
            } catch (...) {
                report.fail("exception", 0, "an exception that is not a std::exception");
            }
            const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
            switch (report.outcome()) {
            case check::Outcome::Pass:
                ++m_totals.passed;
                std::printf("PASS %s (%.0f ms)\n", name.c_str(), ms);
                break;
            case check::Outcome::Fail:
                ++m_totals.failed;
                std::printf("FAIL %s: %s\n", name.c_str(), report.message().c_str());
                break;
            case check::Outcome::Skip:
                ++m_totals.skipped;
                std::printf("SKIP %s: %s\n", name.c_str(), report.message().c_str());
                break;
            }
            std::fflush(stdout);
        }
    }
}

void Runner::skipSuite(const std::string& suite, const std::string& why)
{
    ++m_totals.skipped;
    std::printf("SKIP %s: %s\n", suite.c_str(), why.c_str());
}

void Runner::fail(const std::string& name, const std::string& why)
{
    ++m_totals.failed;
    std::printf("FAIL %s: %s\n", name.c_str(), why.c_str());
}

} // namespace rwkv::test
