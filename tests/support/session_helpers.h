#pragma once
// Small helpers the store, chat-session and document tests share (Qt Test programs).
#include "core/error.h"
#include "core/generator.h"
#include "core/state.h"
#include "core/store/database.h"

#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace rwkv::test {

// The rwkv::Error f throws; a test failure (and a placeholder error) when it throws none.
template <typename F>
Error expectError(F&& f)
{
    try {
        f();
    } catch (const Error& e) {
        return e;
    }
    QTest::qFail("expected an rwkv::Error", __FILE__, __LINE__);
    return Error(ErrorCode::InvalidArgument, "no error was thrown");
}

// Largest absolute difference between two states of one shape: replayed states differ from
// one forward by float rounding, and values near 0 would make a relative measure look large.
inline float maxStateDifference(const State& a, const State& b)
{
    float worst = 0;
    for (size_t i = 0; i < a.data().size(); ++i) worst = std::max(worst, std::abs(a.data()[i] - b.data()[i]));
    return worst;
}

// Writes bytes to dir/name and returns its path.
inline std::filesystem::path writeFile(const QTemporaryDir& dir, const std::string& name, const std::string& bytes)
{
    const std::filesystem::path path = (dir.path() + "/").toStdString() + name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
}

// The greedy options the qa10 document answers are checked with (ChatSession adds the turn end).
inline GenerationOptions greedyQaOptions()
{
    GenerationOptions o;
    o.maxTokens = 80;
    o.sampling.temperature = 0;
    o.sampling.presencePenalty = 0.5f;
    o.sampling.frequencyPenalty = 0.5f;
    o.sampling.bannedTokens = {0};
    o.exemptWhitespaceDigits = false;
    return o;
}

// Rows in a table of the store's database.
inline int64_t countRows(Database& db, const char* table)
{
    Statement s = db.prepare(std::string("SELECT count(*) FROM ") + table);
    s.step();
    return s.columnInt(0);
}

} // namespace rwkv::test
