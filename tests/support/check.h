#pragma once
// The checks of the test bodies shared by the Qt Test programs and the Qt-free GPU runner
// (tests/gpu_runner). With RWKV_CHECKS_QT they are Qt Test's macros; without, they record
// the outcome in check::current() (check_report.h). Either way a failed check or a skip
// returns from the function it is in, so they are used in functions returning void.
#include <cstdarg>
#include <functional>
#include <string>
#include <vector>

namespace rwkv::test {

// printf-style text, for check messages and row names.
std::string format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
// A line of information in the test's output (Qt: qInfo).
void info(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

inline const char* cstr(const std::string& s) { return s.c_str(); }
inline const char* cstr(const char* s) { return s; }

// One row of a data-driven test: its name and its parameters.
template <class P>
struct Row {
    std::string name;
    P params;
};

// A test as the Qt-free runner lists it: its name, its rows' names (none: a test without
// rows) and how to run one row.
struct TestCase {
    std::string name;
    std::vector<std::string> rows;
    std::function<void(size_t row)> run;
};

template <class P, class F>
TestCase dataCase(std::string name, const std::vector<Row<P>>& rows, F body)
{
    TestCase c{std::move(name), {}, [&rows, body](size_t i) { body(rows[i].params); }};
    for (const Row<P>& r : rows) c.rows.push_back(r.name);
    return c;
}

inline TestCase plainCase(std::string name, std::function<void()> body)
{
    return {std::move(name), {}, [body = std::move(body)](size_t) { body(); }};
}

} // namespace rwkv::test

#ifdef RWKV_CHECKS_QT
#include <QTest>

#define RWKV_CHECK(cond) QVERIFY(cond)
#define RWKV_CHECK2(cond, msg) QVERIFY2(cond, ::rwkv::test::cstr(msg))
#define RWKV_COMPARE(actual, expected) QCOMPARE(actual, expected)
#define RWKV_FAIL(msg) QFAIL(::rwkv::test::cstr(msg))
#define RWKV_SKIP(msg) QSKIP(::rwkv::test::cstr(msg))
#define RWKV_THROWS(Exception, expr) QVERIFY_THROWS_EXCEPTION(Exception, expr)

#else
#include "support/check_report.h"

#define RWKV_CHECK2(cond, msg)                                                                                           \
    do {                                                                                                                 \
        if (!(cond)) {                                                                                                   \
            ::rwkv::test::check::current().fail(__FILE__, __LINE__, std::string(#cond) + ": " + ::rwkv::test::cstr(msg)); \
            return;                                                                                                      \
        }                                                                                                                \
    } while (false)
#define RWKV_CHECK(cond)                                                                                                 \
    do {                                                                                                                 \
        if (!(cond)) {                                                                                                   \
            ::rwkv::test::check::current().fail(__FILE__, __LINE__, #cond);                                             \
            return;                                                                                                      \
        }                                                                                                                \
    } while (false)
#define RWKV_COMPARE(actual, expected)                                                                                   \
    do {                                                                                                                 \
        if (!((actual) == (expected))) {                                                                                 \
            ::rwkv::test::check::current().fail(__FILE__, __LINE__,                                                     \
                                                std::string(#actual " == " #expected ": ")                             \
                                                    + ::rwkv::test::check::describe(actual) + " vs "                   \
                                                    + ::rwkv::test::check::describe(expected));                        \
            return;                                                                                                      \
        }                                                                                                                \
    } while (false)
#define RWKV_FAIL(msg)                                                                                                   \
    do {                                                                                                                 \
        ::rwkv::test::check::current().fail(__FILE__, __LINE__, ::rwkv::test::cstr(msg));                              \
        return;                                                                                                          \
    } while (false)
#define RWKV_SKIP(msg)                                                                                                   \
    do {                                                                                                                 \
        ::rwkv::test::check::current().skip(::rwkv::test::cstr(msg));                                                   \
        return;                                                                                                          \
    } while (false)
#define RWKV_THROWS(Exception, expr)                                                                                     \
    do {                                                                                                                 \
        bool thrown_ = false;                                                                                            \
        try {                                                                                                            \
            expr;                                                                                                        \
        } catch (const Exception&) {                                                                                     \
            thrown_ = true;                                                                                              \
        } catch (...) {                                                                                                  \
        }                                                                                                                \
        if (!thrown_) RWKV_FAIL("expected " #Exception " from " #expr);                                                  \
    } while (false)
#endif
