#include "app/document_text.h"

#include "core/error.h"

#include <QDir>
#include <QFileInfo>

#include <poppler-qt6.h>

bool isSupportedDocument(const QString& path)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    return suffix == u"txt" || suffix == u"md" || suffix == u"markdown" || suffix == u"pdf";
}

QString pdfText(const QString& path)
{
    const std::string name = QFileInfo(path).fileName().toStdString();
    const std::unique_ptr<Poppler::Document> document = Poppler::Document::load(path);
    if (!document) throw rwkv::Error(rwkv::ErrorCode::BadFile, "'" + name + "' is not a readable PDF file");
    if (document->isLocked())
        throw rwkv::Error(rwkv::ErrorCode::BadFile, "'" + name + "' is protected by a password; unlock it first");
    QStringList pages;
    for (int i = 0; i < document->numPages(); ++i) {
        const std::unique_ptr<Poppler::Page> page = document->page(i);
        if (!page) continue;
        const QString text = page->text(QRectF()).trimmed();
        if (!text.isEmpty()) pages.append(text);
    }
    if (pages.isEmpty())
        throw rwkv::Error(rwkv::ErrorCode::BadFile,
                          "'" + name + "' has no text layer (a scanned PDF?); the app reads text, not images");
    return pages.join(QStringLiteral("\n\n"));
}

DocumentSource prepareDocument(const QString& path)
{
    const QFileInfo info(path);
    DocumentSource source;
    source.name = info.fileName().toStdString();
    if (!isSupportedDocument(path))
        throw rwkv::Error(rwkv::ErrorCode::Unsupported,
                          "'" + source.name + "' is not a document the app reads (.txt, .md or .pdf)");
    if (!info.isReadable()) throw rwkv::Error(rwkv::ErrorCode::Io, "cannot read '" + path.toStdString() + "'");
    if (info.suffix().toLower() != u"pdf") {
        source.textFile = info.absoluteFilePath().toStdString();
        return source;
    }
    const QByteArray text = pdfText(path).toUtf8();
    source.temp = std::make_unique<QTemporaryFile>(QDir::tempPath() + QStringLiteral("/rwkv-desktop-pdf-XXXXXX.txt"));
    if (!source.temp->open() || source.temp->write(text) != text.size() || !source.temp->flush())
        throw rwkv::Error(rwkv::ErrorCode::Io, "cannot write the text of '" + source.name + "' to a temporary file");
    source.textFile = source.temp->fileName().toStdString();
    return source;
}
