#pragma once
// Splits a reply into prose and fenced code blocks, so a view can show prose as Markdown and
// each code block in a monospace box with its own copy button. An unclosed fence (a reply
// still streaming) runs to the end of the text.
#include <QList>
#include <QString>
#include <QVariantList>

struct MarkdownSegment {
    enum class Kind { Text, Code };
    Kind kind = Kind::Text;
    QString text;      // prose as Markdown, or the code without its fences
    QString language;  // the fence's info word ("cpp"), code only

    bool operator==(const MarkdownSegment&) const = default;
};

// Segments in text order; empty prose between blocks is dropped.
QList<MarkdownSegment> splitMarkdown(const QString& text);
// The same as QML data: [{kind: "text"|"code", text, language}].
QVariantList segmentsToVariant(const QList<MarkdownSegment>& segments);
