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

std::string readingText(const IngestProgress& p)
{
    char text[160];
    std::snprintf(text, sizeof text, "reading: %lld / %lld tokens (%.0f%%), %.0f tokens/s, %s left",
                  static_cast<long long>(p.tokensDone), static_cast<long long>(p.tokensTotal),
                  100.0 * double(p.tokensDone) / double(p.tokensTotal > 0 ? p.tokensTotal : 1), p.tokensPerSecond(),
                  formatClock(p.etaSeconds()).c_str());
    return text;
}

} // namespace rwkv::cli
