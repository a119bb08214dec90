#include "support/check_report.h"

#include <filesystem>

namespace rwkv::test::check {

void Report::fail(const char* file, int line, const std::string& what)
{
    if (m_outcome == Outcome::Fail) return;
    m_outcome = Outcome::Fail;
    m_message = std::filesystem::path(file).filename().string() + ":" + std::to_string(line) + ": " + what;
}

void Report::skip(const std::string& why)
{
    if (m_outcome == Outcome::Fail) return;
    m_outcome = Outcome::Skip;
    m_message = why;
}

Report& current()
{
    static Report report;
    return report;
}

} // namespace rwkv::test::check
