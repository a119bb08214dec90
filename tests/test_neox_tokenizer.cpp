// GPT-NeoX-20B tokenizer: Hugging Face `tokenizers` reference encodings, spec §6.2 vectors,
// edge cases, invalid input, file errors, the tokenizer factory and speed.
#include "core/error.h"
#include "core/tokenizer/neox_pretokenizer.h"
#include "core/tokenizer/neox_tokenizer.h"
#include "core/tokenizer/tokenizer_factory.h"
#include "support/sanitizer.h"
#include "support/test_support.h"

#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <fstream>
#include <functional>
#include <numeric>
#include <optional>
#include <random>
#include <thread>

using namespace std::string_view_literals;
using rwkv::Error;
using rwkv::ErrorCode;
using rwkv::NeoxTokenizer;

namespace {

using Ids = std::vector<int32_t>;
using nlohmann::json;

QByteArray bytes(std::string_view s) { return QByteArray(s.data(), static_cast<qsizetype>(s.size())); }
QList<int> list(const Ids& ids) { return QList<int>(ids.begin(), ids.end()); }

struct Case {
    std::string text;
    Ids ids;
};

std::vector<Case> referenceCases()
{
    std::ifstream in(rwkv::test::dataDir() / "tokenizer" / "neox_cases.json");
    const auto j = json::parse(in);
    std::vector<Case> cases;
    for (const auto& c : j.at("cases"))
        cases.push_back({c.at("text").get<std::string>(), c.at("ids").get<Ids>()});
    return cases;
}

// Expected ids come from a separate script that implements §6.2 with a real regex engine
// (Python `regex`, `unicodedata` NFC) and reproduces all of neox_cases.json.
struct TrickyCase {
    std::string_view text; // may hold NUL
    Ids ids;
};

const std::vector<TrickyCase>& trickyCases()
{
    static const std::vector<TrickyCase> cases = {
        // Whitespace other than runs of U+0020: tabs, CR LF, a run before text gives up its last char.
        {"a\tb"sv, {66, 186, 67}},
        {"\t\tx"sv, {186, 186, 89}},
        {"a \tb"sv, {66, 209, 186, 67}},
        {"x\t \ty"sv, {89, 186, 209, 186, 90}},
        {"a\r\nb"sv, {66, 190, 187, 67}},
        {"a\r\n\r\nb"sv, {66, 4888, 187, 67}},
        {"\r\n"sv, {2379}},
        {" \n x"sv, {2490, 1269}},
        {"a \n\nb"sv, {66, 2490, 187, 67}},
        // Digits: runs, decimal points, non-ASCII Nd / Nl / No.
        {"12345678901234567890"sv, {42594, 43784, 39154, 1857, 25025, 2270}},
        {"3.14"sv, {20, 15, 1047}},
        {"x2y"sv, {89, 19, 90}},
        {"\u0663\u0664\u0665"sv, {149, 98, 149, 99, 149, 100}},
        {"\u216b"sv, {158, 216, 106}},
        {"\u00bd"sv, {8313}},
        {"v1.2.3-rc4"sv, {87, 18, 15, 19, 15, 20, 14, 3373, 21}},
        // Contractions: lowercase ASCII apostrophe only; 'S and the curly ’ are punctuation.
        {"it's"sv, {262, 434}},
        {"I'M"sv, {42, 8, 46}},
        {"'S"sv, {8, 52}},
        {"'s'll"sv, {434, 1833}},
        {"don't"sv, {9903, 626}},
        {"we're they've I'd you'll"sv, {664, 1472, 597, 1849, 309, 1871, 368, 1833}},
        {"it\u2019s"sv, {262, 457, 84}},
        {"''s"sv, {6267, 84}},
        {"'re'"sv, {1472, 8}},
        {"O'Reilly"sv, {48, 8, 1785, 9352}},
        {"'"sv, {8}},
        // CJK, emoji with ZWJ and variation selectors, combining marks, non-NFC input.
        {"\u4e2d\u6587\u5b57\u7b26\u6d4b\u8bd5"sv, {13609, 20855, 30886, 18947, 101, 21998, 222, 11894, 232}},
        {"\U0001f469\u200d\u2764\ufe0f\u200d\U0001f468"sv, {14931, 228, 104, 325, 224, 158, 240, 99, 171, 118, 226, 325, 224, 14931, 228, 103}},
        {"\U0001f3f3\ufe0f\u200d\U0001f308"sv, {14931, 226, 113, 171, 118, 226, 325, 224, 14931, 223, 219}},
        {"a\u0301\u0302"sv, {1757, 136, 213}},
        {"e\u0301"sv, {860}},
        {"\u00e9"sv, {860}},
        {"\u212b"sv, {18221}},
        {"\u1100\u1161"sv, {35061}},
        {"\ufb01"sv, {46992, 212}},
        // Special tokens inside text; a combining mark after one is not composed across it.
        {"a<|endoftext|>b"sv, {66, 0, 67}},
        {"<|endoftext|><|endoftext|>"sv, {0, 0}},
        {"<|padding|>"sv, {1}},
        {"<|endoftext"sv, {29, 93, 423, 1171, 1156}},
        {"x <|endoftext|> y"sv, {89, 209, 0, 340}},
        {"<|endoftext|>\u0301"sv, {0, 136, 212}},
        // Unicode White_Space (U+3000, U+2028, U+0085, NBSP) and C0 controls that are not (U+001C, NUL).
        {"a\u3000b"sv, {66, 19409, 67}},
        {"a\u2028b"sv, {66, 40702, 67}},
        {"a\xc2\x85" "b"sv, {66, 16643, 67}},
        {"a\u00a0\u00a0b"sv, {66, 575, 575, 67}},
        {"a\x1c" "b"sv, {66, 205, 67}},
        {"a\0" "b"sv, {66, 177, 67}},
        {"\ufffd"sv, {21478}},
        {"a\ufffdb"sv, {66, 21478, 67}},
    };
    return cases;
}

// GPT-2 byte -> character table (spec §6.2 step 4), as UTF-8, for building small test files.
std::string byteChar(int b)
{
    int cp = b;
    if (!((b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE)) {
        cp = 0x100;
        for (int k = 0; k < b; ++k)
            cp += ((k >= 0x21 && k <= 0x7E) || (k >= 0xA1 && k <= 0xAC) || k >= 0xAE) ? 0 : 1;
    }
    if (cp < 0x80)
        return std::string(1, static_cast<char>(cp));
    return {static_cast<char>(0xC0 | (cp >> 6)), static_cast<char>(0x80 | (cp & 0x3F))};
}

// A small valid tokenizer file: bytes 0..255 are ids 0..255, "ab" 256, "abc" 257,
// special "<|eot|>" 258 and the normalised added token "  " 259.
json tinyTokenizer()
{
    json vocab = json::object();
    for (int b = 0; b < 256; ++b)
        vocab[byteChar(b)] = b;
    vocab["ab"] = 256;
    vocab["abc"] = 257;
    const auto added = [](int id, const char* content, bool special) {
        return json{{"id", id}, {"content", content}, {"special", special}, {"normalized", !special},
                    {"single_word", false}, {"lstrip", false}, {"rstrip", false}};
    };
    return json{{"version", "1.0"},
                {"added_tokens", json::array({added(258, "<|eot|>", true), added(259, "  ", false)})},
                {"normalizer", {{"type", "NFC"}}},
                {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}}},
                {"post_processor", nullptr},
                {"decoder", {{"type", "ByteLevel"}}},
                {"model", {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", nullptr}, {"vocab", vocab},
                           {"merges", json::array({"a b", "ab c"})}}}};
}

} // namespace

class TestNeoxTokenizer : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<NeoxTokenizer> m_tok;
    QTemporaryDir m_tmp;
    std::filesystem::path m_lastPath; // file of the last loadError() that threw

    std::filesystem::path write(const std::string& content)
    {
        static int counter = 0;
        const std::filesystem::path path = m_tmp.filePath(QString("tok%1.json").arg(++counter)).toStdString();
        std::ofstream(path, std::ios::binary) << content;
        return path;
    }

    // The error loading `content` throws, or nullopt if it loads.
    std::optional<Error> loadError(const std::string& content)
    {
        const std::filesystem::path path = write(content);
        try {
            NeoxTokenizer::load(path);
        } catch (const Error& e) {
            m_lastPath = path;
            return e;
        }
        return std::nullopt;
    }

    void checkEncoding(std::string_view text, const Ids& ids)
    {
        QCOMPARE(list(m_tok->encode(text)), list(ids));
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        QElapsedTimer timer;
        timer.start();
        m_tok = NeoxTokenizer::load(rwkv::test::shareDir() / "vocab" / "20B_tokenizer.json");
        qInfo("20B_tokenizer.json loaded in %lld ms", static_cast<long long>(timer.elapsed()));
        QCOMPARE(m_tok->vocabSize(), NeoxTokenizer::kVocabSize);
        QCOMPARE(bytes(m_tok->name()), QByteArray("neox"));
    }

    // Decoding gives the NFC form of the text (the one case with "e" + U+0301 comes back as "é") and
    // skips special tokens, as `tokenizers`' decode() does by default, so the one case with
    // <|endoftext|> decodes to its text without it; all others decode back byte for byte.
    void referenceCasesFromTokenizers()
    {
        const auto cases = referenceCases();
        QCOMPARE(cases.size(), size_t{38});
        for (const Case& c : cases) {
            checkEncoding(c.text, c.ids);
            std::string expected = c.text;
            if (const size_t at = expected.find("<|endoftext|>"); at != std::string::npos)
                expected.erase(at, "<|endoftext|>"sv.size());
            QCOMPARE(bytes(m_tok->decode(c.ids)), bytes(rwkv::neox::toNfc(expected)));
        }
    }

    void specVectors()
    {
        checkEncoding("Hello world", {12092, 1533});
        checkEncoding("\nIn a shocking finding, scientist discovered a herd of dragons living in a remote, previously "
                      "unexplored valley, in Tibet. Even more surprising to the researchers was the fact that the "
                      "dragons spoke perfect Chinese.",
                      {187,  688, 247,   29103, 4560,  13,  20687, 6888, 247,  33361, 273,   41705, 3811, 275,
                       247,  8905, 13,   3786,  35021, 2149, 17836, 13,  275,  27061, 15,  4952,  625,  10084,
                       281,  253,  8607, 369,   253,   958,  326,   253, 41705, 7560, 3962, 5628,  15});
        checkEncoding("Chinese: 我能吞下玻璃而不伤身体。", {27223, 27,    209,   15367, 20287, 7719,  241,
                                                           20720, 20241, 121,   163,   229,   214,   38328,
                                                           14274, 13127, 99,    45748, 29645, 4340});
        checkEncoding("<|endoftext|>", {0});
        checkEncoding("it's   code\n    return x", {262, 434, 50275, 3211, 187, 50274, 2309, 1269});
        checkEncoding("\n", {187});
        // §6.3's "\n\n = 187 187" holds before text (a whitespace run gives up its last character);
        // alone, the pair is one token.
        checkEncoding("\n\nA", {187, 187, 34});
        checkEncoding("\n\n", {535});
    }

    // Runs of 2..24 spaces are added tokens (id 50278 - n), longer runs split leftmost-longest
    // into 24 + rest; a single space left over attaches to the following word.
    void spaceRuns()
    {
        for (int n = 1; n <= 30; ++n) {
            Ids middle{89}; // "x"
            int rest = n;
            while (rest >= 2) {
                const int take = std::min(rest, 24);
                middle.push_back(50278 - take);
                rest -= take;
            }
            Ids inside = middle;
            inside.push_back(rest == 1 ? 340 : 90); // " y" or "y"
            Ids trailing = middle;
            if (rest == 1)
                trailing.push_back(209); // " "
            // Built with append(): GCC 12 gives a false -Wrestrict for "literal" + std::string.
            const std::string spaces(static_cast<size_t>(n), ' ');
            checkEncoding(std::string("x").append(spaces).append("y"), inside);
            checkEncoding(std::string("x").append(spaces), trailing);
            const std::string text = std::string("\t").append(spaces).append("x = 1\n");
            QCOMPARE(bytes(m_tok->decode(m_tok->encode(text))), bytes(text));
        }
    }

    void trickyStrings()
    {
        for (const TrickyCase& c : trickyCases()) {
            checkEncoding(c.text, c.ids);
            if (c.text.find("<|") == std::string_view::npos) // specials decode to nothing
                QCOMPARE(bytes(m_tok->decode(c.ids)), bytes(rwkv::neox::toNfc(c.text)));
        }
    }

    void normalisation()
    {
        // NFC composes e + U+0301 into é before anything else; Angstrom sign becomes Å; jamo become 가.
        QCOMPARE(list(m_tok->encode("cafe\u0301")), list(m_tok->encode("caf\u00e9")));
        QCOMPARE(bytes(rwkv::neox::toNfc("e\u0301")), QByteArray("\u00e9"));
        QCOMPARE(bytes(rwkv::neox::toNfc("\u212b")), QByteArray("\u00c5"));
        QCOMPARE(bytes(rwkv::neox::toNfc("\u1100\u1161")), QByteArray("\uac00"));
        QCOMPARE(bytes(rwkv::neox::toNfc("\ufb01")), QByteArray("\ufb01")); // NFC, not NFKC
    }

    // Ill-formed UTF-8 is replaced by U+FFFD (one per maximal ill-formed subpart) before encoding.
    void invalidUtf8()
    {
        const std::vector<std::pair<std::string, std::string>> repaired = {
            {"a\xff" "b", "a\ufffd" "b"},
            {"\xc3", "\ufffd"},
            {"\xe2\x82", "\ufffd"},           // truncated 3-byte sequence: one subpart
            {"\xed\xa0\x80", "\ufffd\ufffd\ufffd"}, // surrogate: each byte
            {"x\xc0\xafy", "x\ufffd\ufffdy"}, // overlong
            {"\x80\xbf", "\ufffd\ufffd"},
        };
        for (const auto& [bad, good] : repaired) {
            QCOMPARE(bytes(rwkv::neox::repairUtf8(bad)), bytes(good));
            const Ids ids = m_tok->encode(bad);
            QCOMPARE(list(ids), list(m_tok->encode(good)));
            QCOMPARE(bytes(m_tok->decode(ids)), bytes(good));
        }
        checkEncoding("a\xff" "b", {66, 21478, 67});
    }

    void emptyAndSpecialIds()
    {
        QVERIFY(m_tok->encode("").empty());
        QCOMPARE(bytes(m_tok->decode(Ids{})), QByteArray());
        QVERIFY(m_tok->tokenBytes(0).empty());
        QVERIFY(m_tok->tokenBytes(1).empty());
        QCOMPARE(bytes(m_tok->decode(Ids{66, 0, 1, 66})), QByteArray("aa"));
        for (const int32_t id : {-1, 50277, 50304, 1 << 30})
            QVERIFY(m_tok->tokenBytes(id).empty());
        QCOMPARE(bytes(m_tok->tokenBytes(187)), QByteArray("\n"));
        QCOMPARE(bytes(m_tok->tokenBytes(209)), QByteArray(" "));
        QCOMPARE(bytes(m_tok->tokenBytes(50254)), QByteArray(24, ' '));
        QCOMPARE(bytes(m_tok->tokenBytes(50276)), QByteArray(2, ' '));
        QCOMPARE(bytes(m_tok->tokenBytes(163)), QByteArray("\xe7")); // a lone byte of a UTF-8 sequence
    }

    void tinyFileBothMergeFormats()
    {
        json j = tinyTokenizer();
        for (int format = 0; format < 2; ++format) {
            if (format == 1)
                j["model"]["merges"] = json::array({json::array({"a", "b"}), json::array({"ab", "c"})});
            const auto tok = NeoxTokenizer::load(write(j.dump()));
            QCOMPARE(tok->vocabSize(), size_t{260});
            QCOMPARE(list(tok->encode("abc")), (QList<int>{257}));
            QCOMPARE(list(tok->encode("ab ab")), (QList<int>{256, 32, 256}));
            QCOMPARE(list(tok->encode("x<|eot|>a  b")), (QList<int>{120, 258, 97, 259, 98}));
            QCOMPARE(bytes(tok->decode(Ids{257, 258, 259})), QByteArray("abc  "));
        }
    }

    void malformedFiles()
    {
        const auto expect = [&](const std::string& content, ErrorCode code, const char* fragment) {
            const auto e = loadError(content);
            QVERIFY2(e.has_value(), fragment);
            QVERIFY2(e->code() == code, e->what());
            QVERIFY2(QString(e->what()).contains(fragment), e->what());
            QVERIFY2(QString(e->what()).startsWith(QString::fromStdString(m_lastPath.string() + ": ")), e->what());
        };
        const auto mutated = [](const std::function<void(json&)>& change) {
            json j = tinyTokenizer();
            change(j);
            return j.dump();
        };
        QVERIFY(!loadError(tinyTokenizer().dump()));
        expect("{\"model\": ", ErrorCode::BadFile, "not valid JSON");
        expect(mutated([](json& j) { j.erase("model"); }), ErrorCode::BadFile, "has no \"model\"");
        expect(mutated([](json& j) { j["model"]["vocab"] = json::array(); }), ErrorCode::BadFile, "model.vocab");
        expect(mutated([](json& j) { j["model"].erase("merges"); }), ErrorCode::BadFile, "has no \"merges\"");
        expect(mutated([](json& j) { j["model"]["merges"][0] = "a zz"; }), ErrorCode::BadFile, "not in the vocab");
        expect(mutated([](json& j) { j["model"]["merges"][0] = "ab"; }), ErrorCode::BadFile, "merge 0");
        expect(mutated([](json& j) { j["model"]["merges"][1] = 5; }), ErrorCode::BadFile, "merge 1");
        expect(mutated([](json& j) { j["added_tokens"][0].erase("id"); }), ErrorCode::BadFile, "has no \"id\"");
        expect(mutated([](json& j) { j["added_tokens"][1]["content"] = ""; }), ErrorCode::BadFile, "empty content");
        expect(mutated([](json& j) { j["model"]["vocab"]["a"] = "x"; }), ErrorCode::BadFile, "has id \"x\"");
        expect(mutated([](json& j) { j["model"]["vocab"]["zz"] = 5; }), ErrorCode::BadFile, "used twice");
        expect(mutated([](json& j) { j["model"]["vocab"].erase("A"); }), ErrorCode::BadFile, "byte 0x41");
        expect(mutated([](json& j) { j["model"]["vocab"]["\u0400"] = 300; }), ErrorCode::BadFile, "byte-level");
        expect(mutated([](json& j) { j["normalizer"] = "NFC"; }), ErrorCode::BadFile, "type");
        expect(mutated([](json& j) { j["model"]["type"] = "WordPiece"; }), ErrorCode::Unsupported, "WordPiece");
        expect(mutated([](json& j) { j["normalizer"]["type"] = "NFKC"; }), ErrorCode::Unsupported, "normalizer");
        expect(mutated([](json& j) { j["pre_tokenizer"]["add_prefix_space"] = true; }), ErrorCode::Unsupported,
               "pre_tokenizer");
        expect(mutated([](json& j) { j["added_tokens"][0]["lstrip"] = true; }), ErrorCode::Unsupported, "lstrip");
        try {
            NeoxTokenizer::load(m_tmp.filePath("missing.json").toStdString());
            QFAIL("loading a missing file succeeded");
        } catch (const Error& e) {
            QCOMPARE(e.code(), ErrorCode::Io);
        }
    }

    void factory()
    {
        const std::filesystem::path dir = rwkv::test::shareDir() / "vocab";
        QCOMPARE(bytes(rwkv::tokenizerForVocab(65536, dir)->name()), QByteArray("world"));
        QCOMPARE(bytes(rwkv::tokenizerForVocab(50277, dir)->name()), QByteArray("neox"));
        QCOMPARE(bytes(rwkv::tokenizerForVocab(50304, dir)->name()), QByteArray("neox"));
        QVERIFY(!rwkv::tokenizerForVocab(1000, dir));
        QVERIFY(!rwkv::tokenizerForVocab(0, dir));
        QCOMPARE(bytes(rwkv::loadTokenizer("world", dir)->name()), QByteArray("world"));
        QCOMPARE(list(rwkv::loadTokenizer("neox", dir)->encode("Hello world")), (QList<int>{12092, 1533}));
        try {
            rwkv::loadTokenizer("gpt2", dir);
            QFAIL("an unknown tokenizer name loaded");
        } catch (const Error& e) {
            QCOMPARE(e.code(), ErrorCode::InvalidArgument);
        }
        try {
            rwkv::tokenizerForVocab(50277, m_tmp.path().toStdString());
            QFAIL("a tokenizer loaded from a directory without vocab files");
        } catch (const Error& e) {
            QCOMPARE(e.code(), ErrorCode::Io);
        }
    }

    // The piece cache is shared; concurrent encodes must give the single-threaded result.
    void concurrentEncode()
    {
        std::vector<std::string> texts;
        for (const Case& c : referenceCases())
            texts.push_back(c.text);
        std::vector<Ids> expected;
        for (const std::string& t : texts)
            expected.push_back(m_tok->encode(t));
        std::vector<int> mismatches(4, 0);
        std::vector<std::thread> threads;
        for (size_t t = 0; t < mismatches.size(); ++t)
            threads.emplace_back([&, t] {
                for (int round = 0; round < 50; ++round) {
                    for (size_t i = 0; i < texts.size(); ++i) {
                        const size_t k = (i + t) % texts.size();
                        mismatches[t] += m_tok->encode(texts[k]) != expected[k];
                    }
                }
            });
        for (std::thread& t : threads)
            t.join();
        QCOMPARE(std::accumulate(mismatches.begin(), mismatches.end(), 0), 0);
    }

    void encodeSpeed()
    {
        if (rwkv::test::kAddressSanitizer) QSKIP("speed is not measured in the sanitizer build");
        // About 1 MB of English-like text from a seeded word list.
        const std::vector<std::string> words = {
            "the", "of", "and", "to", "in", "is", "that", "for", "it", "was", "on", "with", "as", "he", "be", "at",
            "by", "this", "had", "not", "are", "but", "from", "or", "have", "an", "they", "which", "one", "you're",
            "were", "would", "their", "because", "Tokenization", "RWKV", "recurrent", "networks", "London", "1987",
            "3.5%", "don't", "state-of-the-art"};
        std::mt19937 rng(42);
        std::string english;
        while (english.size() < (1u << 20)) {
            english += words[rng() % words.size()];
            const auto r = rng() % 20;
            english += r == 0 ? ".\n\n" : r == 1 ? ", " : r == 2 ? "  " : " ";
        }
        QElapsedTimer timer;
        timer.start();
        Ids ids = m_tok->encode(english);
        const double englishMs = static_cast<double>(timer.nsecsElapsed()) / 1e6;
        qInfo("encoded %zu bytes of English into %zu tokens in %.1f ms", english.size(), ids.size(), englishMs);
        QCOMPARE(bytes(m_tok->decode(ids)), bytes(english));
        QVERIFY2(englishMs < 1000.0, "encoding 1 MB of English took more than 1 s");

        // Long pieces bypass the cache: 300 KB of CJK without spaces, 100 KB of one letter.
        std::string cjk;
        for (uint32_t i = 0; cjk.size() < 300'000; ++i) {
            const uint32_t cp = 0x4E00 + (i * 7919u) % 0x5000;
            cjk += {static_cast<char>(0xE0 | (cp >> 12)), static_cast<char>(0x80 | ((cp >> 6) & 0x3F)),
                    static_cast<char>(0x80 | (cp & 0x3F))};
        }
        for (const std::string& text : {cjk, std::string(100'000, 'a')}) {
            timer.start();
            ids = m_tok->encode(text);
            const double ms = static_cast<double>(timer.nsecsElapsed()) / 1e6;
            qInfo("encoded %zu bytes in one piece into %zu tokens in %.1f ms", text.size(), ids.size(), ms);
            QCOMPARE(bytes(m_tok->decode(ids)), bytes(text));
            QVERIFY2(ms < 2000.0, "encoding one long piece took more than 2 s");
        }
    }
};

QTEST_GUILESS_MAIN(TestNeoxTokenizer)
#include "test_neox_tokenizer.moc"
