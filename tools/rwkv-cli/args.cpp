#include "tools/rwkv-cli/args.h"

#include "core/error.h"

#include <charconv>
#include <cmath>
#include <stdexcept>

namespace rwkv::cli {

Args::Args(const CommandSpec& spec, std::vector<std::string> args) : m_spec(&spec), m_args(std::move(args))
{
    for (size_t i = 0; i < m_args.size(); ++i) {
        if (m_args[i].rfind("--", 0) != 0) continue; // a stray word: finish() names it
        const OptionSpec* o = findOption(spec, std::string_view(m_args[i]).substr(2));
        if (!o)
            throw Error(ErrorCode::InvalidArgument, "unknown argument '" + m_args[i] + "' (rwkv-cli " + std::string(spec.name)
                                                        + (spec.verb.empty() ? "" : " " + std::string(spec.verb)) + " --help lists the options)");
        if (o->value.empty()) continue;
        if (i + 1 >= m_args.size()) throw Error(ErrorCode::InvalidArgument, "option " + m_args[i] + " needs a value");
        ++i;
    }
}

void Args::declared(const std::string& name, bool takesValue) const
{
    const OptionSpec* o = findOption(*m_spec, name);
    if (!o || o->value.empty() == takesValue)
        throw std::logic_error("rwkv-cli " + std::string(m_spec->name) + " " + std::string(m_spec->verb) + " reads --" + name
                               + ", which its entry in command_table.cpp does not declare as " + (takesValue ? "an option with a value" : "a flag"));
}

std::optional<std::string> Args::value(const std::string& name)
{
    declared(name, true);
    std::optional<std::string> found;
    for (size_t i = 0; i < m_args.size(); ++i) {
        if (m_args[i] != "--" + name) continue;
        if (i + 1 >= m_args.size()) throw Error(ErrorCode::InvalidArgument, "option --" + name + " needs a value");
        m_used.insert(i);
        m_used.insert(i + 1);
        found = m_args[i + 1];
        ++i;
    }
    return found;
}

std::vector<std::string> Args::values(const std::string& name)
{
    declared(name, true);
    std::vector<std::string> out;
    for (size_t i = 0; i + 1 < m_args.size(); ++i) {
        if (m_args[i] != "--" + name) continue;
        m_used.insert(i);
        m_used.insert(i + 1);
        out.push_back(m_args[++i]);
    }
    if (!m_args.empty() && m_args.back() == "--" + name)
        throw Error(ErrorCode::InvalidArgument, "option --" + name + " needs a value");
    return out;
}

bool Args::flag(const std::string& name)
{
    declared(name, false);
    bool found = false;
    for (size_t i = 0; i < m_args.size(); ++i)
        if (m_args[i] == "--" + name) {
            m_used.insert(i);
            found = true;
        }
    return found;
}

int Args::intValue(const std::string& name, int fallback)
{
    const auto v = value(name);
    if (!v) return fallback;
    int out = 0;
    auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
    if (ec != std::errc() || p != v->data() + v->size())
        throw Error(ErrorCode::InvalidArgument, "option --" + name + " expects an integer, got '" + *v + "'");
    return out;
}

float Args::floatValue(const std::string& name, float fallback)
{
    const auto v = value(name);
    if (!v) return fallback;
    try {
        size_t used = 0;
        const float out = std::stof(*v, &used);
        if (used == v->size() && std::isfinite(out)) return out;
    } catch (const std::exception&) {
    }
    throw Error(ErrorCode::InvalidArgument, "option --" + name + " expects a number, got '" + *v + "'");
}

std::optional<std::vector<int32_t>> Args::intList(const std::string& name)
{
    const auto v = value(name);
    if (!v) return std::nullopt;
    std::vector<int32_t> out;
    const char* p = v->data();
    const char* end = p + v->size();
    while (p < end) {
        while (p < end && *p == ' ') ++p;
        int32_t x = 0;
        auto [q, ec] = std::from_chars(p, end, x);
        if (ec != std::errc())
            throw Error(ErrorCode::InvalidArgument, "option --" + name + " expects comma-separated integers, got '" + *v + "'");
        out.push_back(x);
        p = q;
        while (p < end && *p == ' ') ++p;
        if (p < end && *p != ',')
            throw Error(ErrorCode::InvalidArgument, "option --" + name + " expects comma-separated integers, got '" + *v + "'");
        if (p < end) ++p;
    }
    return out;
}

void Args::finish() const
{
    for (size_t i = 0; i < m_args.size(); ++i)
        if (!m_used.count(i)) throw Error(ErrorCode::InvalidArgument, "unknown argument '" + m_args[i] + "'");
}

} // namespace rwkv::cli
