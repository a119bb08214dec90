#pragma once
// A progress line redrawn in place on a terminal ("\rloading demo.pth:  42%"): redrawn only
// when its text changes and at most kRedrawsPerSecond times a second, so a fast load does
// not flood the terminal. Draws nothing when the stream is not a terminal. With the units the
// progress lines show.
#include "core/document_reader.h"
#include "core/format_bytes.h" // formatBytes, with the units below

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace rwkv::cli {

class ProgressLine {
public:
    static constexpr int kRedrawsPerSecond = 4;

    explicit ProgressLine(std::FILE* stream);
    // Shows `text` if it differs from the text on screen and the last redraw is old enough.
    void show(const std::string& text);
    // Erases the line (when something was drawn).
    void clear();

private:
    std::FILE* m_stream;
    bool m_enabled;
    std::string m_shown;
    std::chrono::steady_clock::time_point m_lastDraw{};
};

// "0:01:05" (hours:minutes:seconds), for time left.
std::string formatClock(double seconds);
// "reading: 512 / 2048 tokens (25%), 900 tokens/s, 0:00:02 left", for a document being read.
std::string readingText(const IngestProgress& p);

} // namespace rwkv::cli
