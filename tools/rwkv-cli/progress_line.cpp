#include "tools/rwkv-cli/progress_line.h"

#include "tools/rwkv-cli/console.h"

namespace rwkv::cli {

ProgressLine::ProgressLine(std::FILE* stream) : m_stream(stream), m_enabled(isTerminal(stream)) {}

void ProgressLine::show(const std::string& text)
{
    if (!m_enabled || text == m_shown) return;
    const auto now = std::chrono::steady_clock::now();
    if (!m_shown.empty() && now - m_lastDraw < std::chrono::milliseconds(1000) / kRedrawsPerSecond) return;
    std::fprintf(m_stream, "\r\033[K%s", text.c_str());
    std::fflush(m_stream);
    m_shown = text;
    m_lastDraw = now;
}

void ProgressLine::clear()
{
    if (!m_enabled || m_shown.empty()) return;
    std::fprintf(m_stream, "\r\033[K");
    m_shown.clear();
}

std::string formatClock(double seconds)
{
    const auto s = static_cast<long long>(seconds + 0.5);
    char text[32];
    std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
    return text;
}

} // namespace rwkv::cli
