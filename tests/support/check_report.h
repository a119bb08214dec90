#pragma once
// The outcome of the running test row in the Qt-free GPU runner: failed (with where and why),
// skipped (with why) or, when neither was recorded, passed. The check macros of check.h
// record into current(); the runner resets it before each row.
#include <string>
#include <type_traits>

namespace rwkv::test::check {

enum class Outcome { Pass, Fail, Skip };

class Report {
public:
    void reset() { *this = Report{}; }
    // The first failure of a row is kept: later checks in the caller may still run.
    void fail(const char* file, int line, const std::string& what);
    void skip(const std::string& why);

    Outcome outcome() const { return m_outcome; }
    const std::string& message() const { return m_message; }

private:
    Outcome m_outcome = Outcome::Pass;
    std::string m_message;
};

Report& current();

template <class T>
std::string describe(const T& v)
{
    if constexpr (std::is_arithmetic_v<T>) return std::to_string(v);
    else if constexpr (requires { v.size(); }) return std::to_string(v.size()) + " elements";
    else return "(value)";
}

} // namespace rwkv::test::check
