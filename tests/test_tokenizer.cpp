// World tokenizer: reference encodings, vocabulary parsing errors, and streaming UTF-8 decoding.
#include "core/error.h"
#include "core/tokenizer/utf8_stream_decoder.h"
#include "core/tokenizer/world_tokenizer.h"
#include "support/sanitizer.h"
#include "support/test_support.h"

#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <optional>
#include <random>
#include <unordered_set>

using rwkv::Error;
using rwkv::ErrorCode;
using rwkv::Utf8StreamDecoder;
using rwkv::WorldTokenizer;

namespace {

using Ids = std::vector<int32_t>;

QByteArray bytes(std::string_view s) { return QByteArray(s.data(), static_cast<qsizetype>(s.size())); }
QList<int> list(const std::vector<int32_t>& ids) { return QList<int>(ids.begin(), ids.end()); }

// The 256 single-byte lines every valid vocabulary starts with, as bytes literals.
std::string singleByteLines()
{
    std::string out;
    char line[32];
    for (int b = 0; b < 256; ++b) {
        std::snprintf(line, sizeof line, "%d b'\\x%02x' 1\n", b + 1, b);
        out += line;
    }
    return out;
}

struct Case {
    std::string text;
    Ids ids;
};

std::vector<Case> worldCases()
{
    std::ifstream in(rwkv::test::dataDir() / "tokenizer" / "world_cases.json");
    const auto json = nlohmann::json::parse(in);
    std::vector<Case> cases;
    for (const auto& c : json.at("cases"))
        cases.push_back({c.at("text").get<std::string>(), c.at("ids").get<Ids>()});
    return cases;
}

} // namespace

class TestTokenizer : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<WorldTokenizer> m_tok;
    QTemporaryDir m_tmp;

    // Writes `content` to a fresh file and returns the error loading it throws (or fails the test).
    std::optional<Error> loadError(const std::string& content)
    {
        static int counter = 0;
        const std::filesystem::path path = m_tmp.filePath(QString("vocab%1.txt").arg(++counter)).toStdString();
        std::ofstream(path, std::ios::binary) << content;
        try {
            WorldTokenizer::load(path);
        } catch (const Error& e) {
            return e;
        }
        return std::nullopt;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        QElapsedTimer timer;
        timer.start();
        m_tok = WorldTokenizer::load(rwkv::test::worldVocabPath());
        qInfo("vocabulary loaded in %lld ms", static_cast<long long>(timer.elapsed()));
        QCOMPARE(m_tok->vocabSize(), size_t{65536});
        QCOMPARE(bytes(m_tok->name()), QByteArray("world"));
    }

    void referenceCases()
    {
        const auto cases = worldCases();
        QCOMPARE(cases.size(), size_t{38});
        for (const Case& c : cases) {
            QCOMPARE(list(m_tok->encode(c.text)), list(c.ids));
            QCOMPARE(bytes(m_tok->decode(c.ids)), bytes(c.text));
        }
    }

    void specVectors_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QList<int>>("ids");
        QTest::newRow("chat") << QByteArray("User: hi\n\nAssistant:") << QList<int>{24281, 59, 4571, 261, 5585, 41693, 59};
        QTest::newRow("blank line") << QByteArray("\n\n") << QList<int>{261};
        QTest::newRow("paris") << QByteArray(" Paris") << QList<int>{37138};
        QTest::newRow("eiffel") << QByteArray("The Eiffel tower is in the city of")
                                << QList<int>{6699, 304, 25740, 109, 39990, 4600, 4596, 22590, 30449, 4706};
        QTest::newRow("rwkv.cpp") << QByteArray("I'll 'd test блабла 以下は、]) -> <|endoftext|><|padding|> int")
                                  << QList<int>{74, 5229, 274, 101, 32223, 5092, 27980, 2795, 27980, 33, 10399, 10258, 10139, 10079,
                                                1682, 3463, 295, 125, 25258, 7588, 2318, 125, 790, 125, 49520, 125, 63, 21888};
    }

    void specVectors()
    {
        QFETCH(QByteArray, text);
        QFETCH(QList<int>, ids);
        const Ids expected(ids.begin(), ids.end());
        QCOMPARE(list(m_tok->encode(text.toStdString())), ids);
        QCOMPARE(bytes(m_tok->decode(expected)), text);
    }

    void emptyAndSpecialIds()
    {
        QVERIFY(m_tok->encode("").empty());
        QCOMPARE(bytes(m_tok->decode(Ids{})), QByteArray());
        QCOMPARE(bytes(m_tok->tokenBytes(0)), bytes(std::string_view()));
        QCOMPARE(bytes(m_tok->decode(Ids{0})), QByteArray());
        QCOMPARE(bytes(m_tok->decode(Ids{98, 0, 98})), QByteArray("aa"));
        for (const int32_t id : {-1, 65530, 65535, 65536, 1 << 30})
            QVERIFY(m_tok->tokenBytes(id).empty());
        QCOMPARE(bytes(m_tok->tokenBytes(1)), bytes(std::string_view("\0", 1)));
        QCOMPARE(bytes(m_tok->tokenBytes(129)), bytes(std::string_view("\x80")));        // b'\x80': the raw byte
        QCOMPARE(bytes(m_tok->tokenBytes(2423)), bytes(std::string_view("\xC2\x80")));   // '\x80': U+0080 in UTF-8
        QCOMPARE(bytes(m_tok->tokenBytes(1673)), bytes(std::string_view("\\\\")));
        QCOMPARE(bytes(m_tok->tokenBytes(379)), bytes(std::string_view("\"'")));
        QCOMPARE(bytes(m_tok->tokenBytes(65529)), bytes(std::string_view(std::string(128, ' '))));
        // <|endoftext|> is ordinary text, never id 0.
        const Ids eot = m_tok->encode("<|endoftext|>");
        QVERIFY(std::find(eot.begin(), eot.end(), 0) == eot.end());
    }

    void invalidUtf8Input()
    {
        for (const std::string& s : {std::string("\xff\xfe"), std::string("\x80\xbf"), std::string("a\x80"),
                                    std::string("\xe2\x82"), std::string("\xed\xa0\x80"), std::string("x\xc0\xafy")}) {
            const Ids ids = m_tok->encode(s);
            QVERIFY(!ids.empty());
            QCOMPARE(bytes(m_tok->decode(ids)), bytes(s));
        }
        QCOMPARE(list(m_tok->encode("\xff\xfe")), (QList<int>{256, 255}));
        QCOMPARE(list(m_tok->encode(std::string("\x80"))), (QList<int>{129}));
    }

    // Every emitted token matches the input, and no longer vocabulary entry would have matched.
    void greedyLongestMatch()
    {
        std::unordered_set<std::string_view> vocab;
        for (int32_t id = 1; id < 65536; ++id)
            if (!m_tok->tokenBytes(id).empty())
                vocab.insert(m_tok->tokenBytes(id));
        const std::vector<std::string> pieces = {" ", "  ", "\n", "\t", "the", " of", "ing", "a", "e", "1", "0",
                                                 "привет", "中文", "é", "😀", "-", "--", "\xff", "\x80", "http", "://"};
        std::mt19937 rng(1234);
        for (int round = 0; round < 200; ++round) {
            std::string text;
            const int count = 1 + static_cast<int>(rng() % 40);
            for (int i = 0; i < count; ++i)
                text += pieces[rng() % pieces.size()];
            size_t pos = 0;
            for (const int32_t id : m_tok->encode(text)) {
                const std::string_view t = m_tok->tokenBytes(id);
                QVERIFY(!t.empty());
                QCOMPARE(bytes(text.substr(pos, t.size())), bytes(t));
                for (size_t len = t.size() + 1; len <= std::min<size_t>(128, text.size() - pos); ++len)
                    QVERIFY2(!vocab.count(std::string_view(text).substr(pos, len)), "a longer token matches");
                pos += t.size();
            }
            QCOMPARE(pos, text.size());
        }
    }

    void encodeSpeed()
    {
        std::string text;
        const auto cases = worldCases();
        while (text.size() < (1u << 20))
            for (const Case& c : cases)
                text += c.text;
        QElapsedTimer timer;
        timer.start();
        const Ids ids = m_tok->encode(text);
        const qint64 ns = timer.nsecsElapsed();
        qInfo("encoded %zu bytes into %zu tokens in %.2f ms", text.size(), ids.size(), static_cast<double>(ns) / 1e6);
        QCOMPARE(bytes(m_tok->decode(ids)), bytes(text));
        if (!rwkv::test::kAddressSanitizer) // 2–5× slower there
            QVERIFY2(ns < 500'000'000, "encoding 1 MB took more than 0.5 s");
    }

    void parsesEscapes()
    {
        const std::string content = singleByteLines() +
            "257 '\\x80' 2\n"
            "258 \"it's\" 4\n"
            "259 '\\u20ac' 3\n"
            "260 '\\U0001f600' 4\n"
            "261 '\\101\\7' 2\n"
            "262 b'\\x80\\x81' 2\r\n"
            "263 'a b  c' 6\n"
            "264 '\\\\\\'' 2\n"
            "265 '\\a\\b\\f\\v\\n\\r\\t\\\"' 8\n"
            "266 '中' 3\n";
        const std::filesystem::path path = m_tmp.filePath("escapes.txt").toStdString();
        std::ofstream(path, std::ios::binary) << content;
        const auto tok = WorldTokenizer::load(path);
        QCOMPARE(bytes(tok->tokenBytes(257)), bytes(std::string_view("\xC2\x80")));
        QCOMPARE(bytes(tok->tokenBytes(258)), bytes(std::string_view("it's")));
        QCOMPARE(bytes(tok->tokenBytes(259)), bytes(std::string_view("\xE2\x82\xAC")));
        QCOMPARE(bytes(tok->tokenBytes(260)), bytes(std::string_view("\xF0\x9F\x98\x80")));
        QCOMPARE(bytes(tok->tokenBytes(261)), bytes(std::string_view("A\x07")));
        QCOMPARE(bytes(tok->tokenBytes(262)), bytes(std::string_view("\x80\x81")));
        QCOMPARE(bytes(tok->tokenBytes(263)), bytes(std::string_view("a b  c")));
        QCOMPARE(bytes(tok->tokenBytes(264)), bytes(std::string_view("\\'")));
        QCOMPARE(bytes(tok->tokenBytes(265)), bytes(std::string_view("\a\b\f\v\n\r\t\"")));
        QCOMPARE(bytes(tok->tokenBytes(266)), bytes(std::string_view("中")));
        QCOMPARE(bytes(tok->tokenBytes(267)), bytes(std::string_view()));
        QCOMPARE(list(tok->encode("xa b  c中" "\x80\x81")), (QList<int>{121, 263, 266, 262}));
    }

    void malformedFiles_data()
    {
        QTest::addColumn<QByteArray>("line");
        QTest::addColumn<QString>("message");
        QTest::newRow("truncated") << QByteArray("257 'ab") << "expected '<id> <literal> <nbytes>'";
        QTest::newRow("no quote end") << QByteArray("257 'ab 2") << "quoted";
        QTest::newRow("wrong nbytes") << QByteArray("257 'ab' 3") << "2 bytes but the line says 3";
        QTest::newRow("bad escape") << QByteArray("257 '\\q' 1") << "unsupported escape";
        QTest::newRow("bad hex") << QByteArray("257 '\\xg0' 1") << "bad hex escape";
        QTest::newRow("short hex") << QByteArray("257 '\\x4' 1") << "hex escape";
        QTest::newRow("surrogate") << QByteArray("257 '\\ud800' 3") << "surrogate";
        QTest::newRow("too big") << QByteArray("257 '\\U00110000' 4") << "above U+10FFFF";
        QTest::newRow("u in bytes") << QByteArray("257 b'\\u0041' 1") << "bytes literal";
        QTest::newRow("utf8 in bytes") << QByteArray("257 b'é' 2") << "non-ASCII";
        QTest::newRow("inner quote") << QByteArray("257 'a'b' 3") << "unescaped quote";
        QTest::newRow("dangling") << QByteArray("257 'a\\' 1") << "backslash at the end";
        QTest::newRow("empty") << QByteArray("257 '' 0") << "empty token";
        QTest::newRow("bad id") << QByteArray("x57 'ab' 2") << "bad token id";
        QTest::newRow("bad count") << QByteArray("257 'ab' 2x") << "bad byte count";
        QTest::newRow("id range") << QByteArray("65536 'ab' 2") << "outside 1..65535";
        QTest::newRow("duplicate id") << QByteArray("256 'ab' 2") << "already defined on line 256";
        QTest::newRow("duplicate bytes") << QByteArray("300 'a' 1") << "same bytes as token 98";
        QTest::newRow("blank line") << QByteArray("") << "expected";
        QTest::newRow("invalid utf8") << QByteArray("257 '\xff' 1") << "not valid UTF-8";
    }

    void malformedFiles()
    {
        QFETCH(QByteArray, line);
        QFETCH(QString, message);
        const auto error = loadError(singleByteLines() + line.toStdString() + "\n258 'zz' 2\n");
        QVERIFY(error.has_value());
        QCOMPARE(error->code(), ErrorCode::BadFile);
        const QString what = QString::fromUtf8(error->what());
        QVERIFY2(what.contains(":257: "), qPrintable(what));
        QVERIFY2(what.contains(message), qPrintable(what));
    }

    void missingSingleByteOrFile()
    {
        std::string content = singleByteLines();
        content.erase(content.find("66 b'\\x41' 1\n"), std::string("66 b'\\x41' 1\n").size());
        const auto error = loadError(content);
        QVERIFY(error.has_value());
        QCOMPARE(error->code(), ErrorCode::BadFile);
        QVERIFY2(QString(error->what()).contains("0x41"), error->what());

        try {
            WorldTokenizer::load(m_tmp.filePath("does-not-exist.txt").toStdString());
            QFAIL("loading a missing file succeeded");
        } catch (const Error& e) {
            QCOMPARE(e.code(), ErrorCode::Io);
        }
    }

    void utf8SplitAtEveryBoundary()
    {
        for (const std::string& s : std::vector<std::string>{"€", "😀", "é", "a€b😀cé中"}) {
            for (size_t cut = 0; cut <= s.size(); ++cut) {
                Utf8StreamDecoder d;
                const std::string first = d.push(std::string_view(s).substr(0, cut));
                QVERIFY(rwkv::isValidUtf8(first));
                QVERIFY(s.starts_with(first));
                const std::string second = d.push(std::string_view(s).substr(cut));
                QCOMPARE(bytes(first + second + d.flush()), bytes(s));
            }
            Utf8StreamDecoder d;
            std::string out;
            for (size_t i = 0; i < s.size(); ++i) {
                const std::string piece = d.push(std::string_view(s).substr(i, 1));
                QVERIFY(rwkv::isValidUtf8(piece));
                out += piece;
                QVERIFY(s.starts_with(out));
            }
            QCOMPARE(bytes(out), bytes(s));
        }
        Utf8StreamDecoder d;
        QCOMPARE(bytes(d.push("\xF0")), QByteArray());
        QCOMPARE(bytes(d.push("\x9F\x98")), QByteArray());
        QCOMPARE(bytes(d.push("\x80!")), QByteArray("😀!"));
    }

    void utf8InvalidBytes_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QByteArray>("output");
        const QByteArray r("\xEF\xBF\xBD");
        QTest::newRow("ff") << QByteArray("\xff") << r;
        QTest::newRow("lone continuation") << QByteArray("a\x80" "b") << "a" + r + "b";
        QTest::newRow("overlong 2") << QByteArray("\xC0\xAF") << r + r;
        QTest::newRow("overlong 3") << QByteArray("\xE0\x80\xAF") << r + r + r;
        QTest::newRow("surrogate") << QByteArray("\xED\xA0\x80") << r + r + r;
        QTest::newRow("above max") << QByteArray("\xF4\x90\x80\x80") << r + r + r + r;
        QTest::newRow("f5") << QByteArray("\xF5\x80") << r + r;
        QTest::newRow("cut sequence") << QByteArray("\xE2\x82x") << r + "x";
        QTest::newRow("cut by lead") << QByteArray("\xE2\xE2\x82\xAC") << r + "€";
        QTest::newRow("max") << QByteArray("\xF4\x8F\xBF\xBF") << QByteArray("\xF4\x8F\xBF\xBF");
    }

    void utf8InvalidBytes()
    {
        QFETCH(QByteArray, input);
        QFETCH(QByteArray, output);
        Utf8StreamDecoder d;
        std::string out = d.push(input.toStdString());
        out += d.flush();
        QVERIFY(rwkv::isValidUtf8(out));
        QCOMPARE(bytes(out), output);
        QCOMPARE(rwkv::isValidUtf8(input.toStdString()), input == output);
    }

    void utf8FlushIncompleteTail()
    {
        Utf8StreamDecoder d;
        QCOMPARE(bytes(d.push("ok\xE2\x82")), QByteArray("ok"));
        QCOMPARE(bytes(d.flush()), QByteArray("\xEF\xBF\xBD"));
        QCOMPARE(bytes(d.flush()), QByteArray());
        QCOMPARE(bytes(d.push("€")), QByteArray("€"));
    }

    void streamReferenceCasesTokenByToken()
    {
        for (const Case& c : worldCases()) {
            Utf8StreamDecoder d;
            std::string out;
            for (const int32_t id : c.ids) {
                const std::string piece = d.push(m_tok->tokenBytes(id));
                QVERIFY(rwkv::isValidUtf8(piece));
                out += piece;
            }
            out += d.flush();
            QCOMPARE(bytes(out), bytes(c.text));
        }
    }
};

QTEST_GUILESS_MAIN(TestTokenizer)
#include "test_tokenizer.moc"
