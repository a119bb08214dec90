#include "tools/rwkv-cli/args.h"

#include "core/error.h"

#include <charconv>
#include <cmath>

namespace rwkv::cli {

Args::Args(int argc, char** argv, int first)
{
    for (int i = first; i < argc; ++i) m_args.emplace_back(argv[i]);
}

std::optional<std::string> Args::value(const std::string& name)
{
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
