#pragma once
// The text of a document file as the core reads it (UTF-8 text): .txt and .md files are read
// as they are, a .pdf's text layer is extracted with Poppler-Qt6 into a temporary file.
#include <QString>
#include <QTemporaryFile>

#include <filesystem>
#include <memory>
#include <string>

struct DocumentSource {
    std::filesystem::path textFile;        // what to ingest
    std::string name;                      // the name to show: the original file name
    std::unique_ptr<QTemporaryFile> temp;  // holds a PDF's text while it is read
};

// True for the extensions the app opens (.txt, .md, .markdown, .pdf), case-insensitive.
bool isSupportedDocument(const QString& path);

// Throws rwkv::Error: Unsupported for another extension, Io when the file cannot be read,
// BadFile for a damaged or locked PDF or one without a text layer (a scan).
DocumentSource prepareDocument(const QString& path);

// The text of every page of a PDF, pages separated by a blank line. Throws like prepareDocument.
QString pdfText(const QString& path);
