#include "ui/markdown_segments.h"

#include <QVariantMap>

namespace {

// A fence line: up to three spaces, then three or more backticks (CommonMark). Returns the
// number of backticks, or 0 when the line is not a fence.
qsizetype fenceLength(QStringView line)
{
    qsizetype i = 0;
    while (i < line.size() && i < 3 && line[i] == u' ') ++i;
    qsizetype n = 0;
    while (i + n < line.size() && line[i + n] == u'`') ++n;
    return n >= 3 ? n : 0;
}

void appendSegment(QList<MarkdownSegment>& out, MarkdownSegment::Kind kind, QString text, QString language)
{
    if (kind == MarkdownSegment::Kind::Text && text.trimmed().isEmpty()) return;
    if (text.endsWith(u'\n')) text.chop(1);
    out.append({kind, std::move(text), std::move(language)});
}

} // namespace

QList<MarkdownSegment> splitMarkdown(const QString& text)
{
    QList<MarkdownSegment> out;
    QString current, language;
    qsizetype openFence = 0;  // backticks of the open code fence, 0 outside code
    qsizetype start = 0;
    while (start <= text.size()) {
        qsizetype end = text.indexOf(u'\n', start);
        if (end < 0) end = text.size();
        const QStringView line = QStringView(text).mid(start, end - start);
        const qsizetype fence = fenceLength(line);
        if (openFence == 0 && fence > 0) {
            appendSegment(out, MarkdownSegment::Kind::Text, std::exchange(current, {}), {});
            language = line.trimmed().mid(fence).trimmed().toString();
            openFence = fence;
        } else if (openFence > 0 && fence >= openFence && line.trimmed().size() == fence) {
            appendSegment(out, MarkdownSegment::Kind::Code, std::exchange(current, {}), std::exchange(language, {}));
            openFence = 0;
        } else {
            current += line;
            if (end < text.size()) current += u'\n';
        }
        start = end + 1;
    }
    if (openFence > 0) appendSegment(out, MarkdownSegment::Kind::Code, current, language);
    else appendSegment(out, MarkdownSegment::Kind::Text, current, {});
    return out;
}

QVariantList segmentsToVariant(const QList<MarkdownSegment>& segments)
{
    QVariantList out;
    out.reserve(segments.size());
    for (const MarkdownSegment& s : segments)
        out.append(QVariantMap{{QStringLiteral("kind"), s.kind == MarkdownSegment::Kind::Code ? QStringLiteral("code")
                                                                                               : QStringLiteral("text")},
                               {QStringLiteral("text"), s.text},
                               {QStringLiteral("language"), s.language}});
    return out;
}
