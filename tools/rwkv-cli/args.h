#pragma once
// Minimal "--name value" / "--flag" parser. Every option must be consumed by the command;
// finish() rejects leftovers, so a typo is an error rather than silently ignored.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace rwkv::cli {

class Args {
public:
    Args(int argc, char** argv, int first);

    std::optional<std::string> value(const std::string& name);
    bool flag(const std::string& name);
    int intValue(const std::string& name, int fallback);
    float floatValue(const std::string& name, float fallback);
    // "1,2,3" → ids; throws Error(InvalidArgument) on junk.
    std::optional<std::vector<int32_t>> intList(const std::string& name);
    // Every value of a repeatable option.
    std::vector<std::string> values(const std::string& name);
    // Throws Error(InvalidArgument) naming any option not consumed.
    void finish() const;

private:
    std::vector<std::string> m_args;
    std::set<size_t> m_used;
};

} // namespace rwkv::cli
