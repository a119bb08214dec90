// Documents read once, asked many times, with the demo model: the streamed pieces tokenize
// exactly like the whole document prompt; the model answers the recorded qa10 questions from
// an ingested document (the official package scored 10/10); progress counts every token;
// cancelling mid-ingest stores nothing; a file that is not UTF-8 text is refused.
#include "backends/registry.h"
#include "core/checkpoint.h"
#include "core/document_library.h"
#include "core/error.h"
#include "core/prompt_format.h"
#include "core/tokenizer/world_tokenizer.h"
#include "support/reference_case.h"
#include "support/session_helpers.h"
#include "support/test_support.h"

#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <fstream>

using namespace rwkv;
using rwkv::test::countRows;
using rwkv::test::greedyQaOptions;
using rwkv::test::writeFile;

namespace {

// A document of several thousand tokens: many short lines of invented facts.
std::string longDocument(int lines)
{
    std::string text;
    for (int i = 0; i < lines; ++i)
        text.append("Person ").append(std::to_string(i)).append(" lives in town ").append(std::to_string(i * 37 % 101)).append(".\n");
    return text;
}

} // namespace

class TestDocuments : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<Device> m_device;
    std::unique_ptr<Model> m_model;
    std::unique_ptr<WorldTokenizer> m_tokenizer;
    std::filesystem::path m_modelPath;

private slots:
    void initTestCase()
    {
        m_device = createDevice("cpu");
        m_modelPath = test::demoModelPath();
        const Checkpoint ck = Checkpoint::open(m_modelPath);
        m_model = Model::load(ck, *m_device, DType::F32);
        m_tokenizer = WorldTokenizer::load(test::worldVocabPath());
    }

    void piecesTokenizeLikeTheWholeText_data()
    {
        QTest::addColumn<QByteArray>("file");
        QTest::addColumn<QByteArray>("text"); // the document text documentPrompt sees
        const std::string lines = longDocument(9000); // ~200 KB: several read blocks
        QTest::newRow("many lines") << QByteArray::fromStdString(lines) << QByteArray::fromStdString(lines);
        std::string indented;
        for (int i = 0; i < 6000; ++i)
            indented.append("\n\t  item ").append(std::to_string(i)).append(" \n\n\n  - döner, 東京, ✓\r\n").append(i % 50 ? "" : "# Part\r\n");
        std::string indentedLf = indented;
        for (size_t p; (p = indentedLf.find("\r\n")) != std::string::npos;) indentedLf.erase(p, 1);
        QTest::newRow("indents, blank lines, CRLF, UTF-8") << QByteArray::fromStdString(indented) << QByteArray::fromStdString(indentedLf);
        std::string oneLine;
        for (int i = 0; oneLine.size() < (3u << 19); ++i) oneLine.append("word").append(std::to_string(i % 997)).append(", ");
        QTest::newRow("a 1.5 MB line") << QByteArray::fromStdString(oneLine) << QByteArray::fromStdString(oneLine);
        QTest::newRow("byte order mark") << QByteArray("\xEF\xBB\xBFHello\nworld") << QByteArray("Hello\nworld");
        QTest::newRow("empty") << QByteArray() << QByteArray();
        QTest::newRow("lone CR at the end") << QByteArray("a\rb\r") << QByteArray("a\rb\r");
    }

    void piecesTokenizeLikeTheWholeText()
    {
        QFETCH(QByteArray, file);
        QFETCH(QByteArray, text);
        QTemporaryDir dir;
        const auto path = writeFile(dir, "doc.md", file.toStdString());
        DocumentPieces pieces(path, *m_tokenizer);
        std::vector<int32_t> streamed;
        std::string joined;
        int count = 0;
        while (const auto piece = pieces.next()) {
            const std::vector<int32_t> ids = m_tokenizer->encode(*piece);
            streamed.insert(streamed.end(), ids.begin(), ids.end());
            joined += *piece;
            ++count;
        }
        const std::string whole = documentPrompt(text.toStdString());
        QCOMPARE(joined, whole);
        QVERIFY2(streamed == m_tokenizer->encode(whole), "the pieces tokenize differently from the whole text");
        if (file.size() > 100000) QVERIFY(count > 1);
        QCOMPARE(pieces.fileBytes(), uint64_t(file.size()));
        QCOMPARE(scanDocument(path, *m_tokenizer).tokens, int64_t(streamed.size()));
    }

    void chunkedReadingMatchesOneForward()
    {
        QTemporaryDir dir;
        const std::string text = longDocument(300);
        const auto path = writeFile(dir, "doc.txt", text);
        const DocumentRead scan = scanDocument(path, *m_tokenizer);
        State chunked = m_model->newState();
        std::vector<IngestProgress> reports;
        const DocumentRead read = readDocument(*m_model, *m_tokenizer, path, chunked, scan, 100,
                                               [&](const IngestProgress& p) { reports.push_back(p); });
        State whole = m_model->newState();
        m_model->forward(m_tokenizer->encode(documentPrompt(text)), whole);
        const std::vector<float> a(chunked.data().begin(), chunked.data().end());
        const std::vector<float> b(whole.data().begin(), whole.data().end());
        QVERIFY(test::relativeMaxError(a, b) < 1e-5);
        // Progress: one report per chunk, every token counted, a rate and a shrinking ETA.
        QCOMPARE(read.tokens, scan.tokens);
        QCOMPARE(int64_t(reports.size()), (scan.tokens + 99) / 100);
        QCOMPARE(reports.back().tokensDone, scan.tokens);
        QCOMPARE(reports.back().tokensTotal, scan.tokens);
        QVERIFY(reports.back().tokensPerSecond() > 0);
        QCOMPARE(reports.back().etaSeconds(), 0.0);
        QVERIFY(reports.front().etaSeconds() > 0);
    }

    void answersQa10FromIngestedDocuments()
    {
        std::ifstream in(test::dataDir() / "rwkv7-demo-18.7m-20261123.verify.json");
        const nlohmann::json items = nlohmann::json::parse(in).at("qa10").at("items");
        QCOMPARE(items.size(), size_t(10));
        QTemporaryDir dir;
        Store store((dir.path() + "/db.sqlite").toStdString());
        DocumentLibrary library(store, *m_model, *m_tokenizer, m_modelPath);
        int hits = 0;
        for (size_t i = 0; i < items.size(); ++i) {
            const std::string name = std::string("qa").append(std::to_string(i)).append(".txt");
            const auto path = writeFile(dir, name, items[i].at("document").get<std::string>());
            const IngestResult r = library.ingest(path);
            QVERIFY(!r.alreadyStored);
            QCOMPARE(r.document.name, name);
            QCOMPARE(r.document.tokenCount,
                     int64_t(m_tokenizer->encode(documentPrompt(items[i].at("document").get<std::string>())).size()));
            const std::string question = items[i].at("question").get<std::string>();
            const std::string answer = library.ask(library.find(name).id, question, greedyQaOptions()).text;
            const std::string expected = items[i].at("expected").get<std::string>(); // no space after "Assistant:"
            hits += answer == expected ? 1 : 0;
            if (answer != expected) qWarning("%s: got '%s', expected '%s'", name.c_str(), answer.c_str(), expected.c_str());
            // The stored state is never changed by a question: asking again gives the same answer.
            QCOMPARE(library.ask(r.document.id, question, greedyQaOptions()).text, answer);
        }
        QCOMPARE(hits, 10);
        QCOMPARE(countRows(store.database(), "documents"), int64_t(10));
        // Read once: the same content is not read again.
        const IngestResult again = library.ingest(writeFile(dir, "copy.txt", items[0].at("document").get<std::string>()));
        QVERIFY(again.alreadyStored);
        QCOMPARE(again.document.name, std::string("qa0.txt"));
        QCOMPARE(countRows(store.database(), "documents"), int64_t(10));
    }

    void cancelledIngestStoresNothing()
    {
        QTemporaryDir dir;
        Store store((dir.path() + "/db.sqlite").toStdString());
        DocumentLibrary library(store, *m_model, *m_tokenizer, m_modelPath);
        const auto path = writeFile(dir, "long.txt", longDocument(400));
        std::stop_source stop;
        int reports = 0;
        IngestOptions options;
        options.chunkTokens = 64;
        try {
            library.ingest(path, options, [&](const IngestProgress&) {
                if (++reports == 3) stop.request_stop();
            }, stop.get_token());
            QFAIL("the ingest was not cancelled");
        } catch (const Error& e) {
            QCOMPARE(e.code(), ErrorCode::Cancelled);
            QVERIFY2(std::string(e.what()).find("nothing was stored") != std::string::npos, e.what());
        }
        QCOMPARE(reports, 3);
        QCOMPARE(countRows(store.database(), "documents"), int64_t(0));
        QCOMPARE(countRows(store.database(), "snapshots"), int64_t(0));
        QCOMPARE(store.integrityCheck(), std::string("ok"));
        // Reading it again to the end works.
        QCOMPARE(library.ingest(path, options).document.tokenCount, scanDocument(path, *m_tokenizer).tokens);
    }

    void notTextIsRefused_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("mention");
        QTest::newRow("invalid byte") << QByteArray("abc\xff" "def") << "byte 3 is invalid";
        QTest::newRow("overlong") << QByteArray("ab\xC0\xAF") << "byte 2 is invalid";
        QTest::newRow("surrogate") << QByteArray("\xED\xA0\x80") << "byte 1 is invalid";
        QTest::newRow("cut character") << QByteArray("ab\xE6\x9D") << "ends inside a character";
        QTest::newRow("NUL") << QByteArray("ab\0cd", 5) << "byte 2 is NUL";
    }

    void notTextIsRefused()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, mention);
        QTemporaryDir dir;
        const auto path = writeFile(dir, "bad.bin", bytes.toStdString());
        try {
            scanDocument(path, *m_tokenizer);
            QFAIL("accepted");
        } catch (const Error& e) {
            QCOMPARE(e.code(), ErrorCode::BadFile);
            QVERIFY2(std::string(e.what()).find(mention.toStdString()) != std::string::npos, e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestDocuments)
#include "test_documents.moc"
