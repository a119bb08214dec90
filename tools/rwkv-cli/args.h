#pragma once
// "--name value" / "--flag" options of one command, checked against its CommandSpec: an
// option the spec does not list is refused before anything runs, and reading an option the
// spec does not list is a programming error (std::logic_error), so the table and the code
// cannot drift. finish() rejects leftovers, so a typo is an error rather than ignored.
#include "tools/rwkv-cli/command_table.h"

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace rwkv::cli {

class Args {
public:
    // Throws Error(InvalidArgument) for an option `spec` does not take or a value missing.
    Args(const CommandSpec& spec, std::vector<std::string> args);

    std::optional<std::string> value(const std::string& name);
    bool flag(const std::string& name);
    int intValue(const std::string& name, int fallback);
    float floatValue(const std::string& name, float fallback);
    // "1,2,3" → ids; throws Error(InvalidArgument) on junk.
    std::optional<std::vector<int32_t>> intList(const std::string& name);
    // Every value of a repeatable option.
    std::vector<std::string> values(const std::string& name);
    // Throws Error(InvalidArgument) naming any argument not consumed.
    void finish() const;
    const CommandSpec& spec() const { return *m_spec; }

private:
    void declared(const std::string& name, bool takesValue) const;

    const CommandSpec* m_spec;
    std::vector<std::string> m_args;
    std::set<size_t> m_used;
};

} // namespace rwkv::cli
