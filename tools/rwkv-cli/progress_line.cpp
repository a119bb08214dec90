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

} // namespace rwkv::cli
