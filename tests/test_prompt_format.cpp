// Prompt formats (design.md "Prompt formats") and streaming stop-string matching.
#include "core/prompt_format.h"
#include "core/stop_matcher.h"
#include "support/test_support.h"

#include <QtTest>

using rwkv::StopMatcher;

namespace {

QByteArray bytes(std::string_view s) { return QByteArray(s.data(), static_cast<qsizetype>(s.size())); }

// Feeds `text` one byte at a time and returns everything shown, including the final flush.
std::string streamByteByByte(StopMatcher& m, std::string_view text)
{
    std::string out;
    for (const char c : text)
        out += m.push(std::string_view(&c, 1));
    return out + m.flush();
}

} // namespace

class TestPromptFormat : public QObject {
    Q_OBJECT

private slots:
    void cleanUserText_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("plain") << QByteArray("hi") << QByteArray("hi");
        QTest::newRow("strip") << QByteArray(" \t hi there \n ") << QByteArray("hi there");
        QTest::newRow("crlf") << QByteArray("a\r\nb") << QByteArray("a\nb");
        QTest::newRow("blank line") << QByteArray("a\n\nb") << QByteArray("a\nb");
        QTest::newRow("long run") << QByteArray("a\n\n\n\nb\n\n\nc") << QByteArray("a\nb\nc");
        QTest::newRow("crlf run") << QByteArray("a\r\n\r\n\r\nb") << QByteArray("a\nb");
        QTest::newRow("edges") << QByteArray("\n\nhello\n\n") << QByteArray("hello");
        QTest::newRow("empty") << QByteArray("") << QByteArray("");
        QTest::newRow("only space") << QByteArray(" \r\n\t ") << QByteArray("");
        QTest::newRow("inner spaces kept") << QByteArray("a  \n  b") << QByteArray("a  \n  b");
        QTest::newRow("utf8") << QByteArray("  你好\n\n世界 ") << QByteArray("你好\n世界");
    }

    void cleanUserText()
    {
        QFETCH(QByteArray, input);
        QFETCH(QByteArray, expected);
        QCOMPARE(bytes(rwkv::cleanUserText(input.toStdString())), expected);
    }

    void prompts()
    {
        QCOMPARE(bytes(rwkv::kTurnEnd), QByteArray("\n\n"));
        QCOMPARE(bytes(rwkv::chatPrompt("hi")), QByteArray("User: hi\n\nAssistant:"));
        QCOMPARE(bytes(rwkv::chatPrompt(" a\r\n\r\nb \n")), QByteArray("User: a\nb\n\nAssistant:"));
        QCOMPARE(bytes(rwkv::systemPrompt("Be brief.\n\n\nReally. ")), QByteArray("System: Be brief.\nReally.\n\n"));
        QCOMPARE(bytes(rwkv::documentPrompt(" a\r\n\r\nb\n\n\nc \n")), QByteArray("Document:  a\n\nb\n\n\nc \n\n\n"));
        QCOMPARE(bytes(rwkv::documentPrompt("")), QByteArray("Document: \n\n"));
    }

    // The API server's whole-conversation prompt equals what the app and the CLI feed turn by turn.
    void transcript()
    {
        using rwkv::ChatRole;
        const std::vector<rwkv::ChatMessage> messages = {{ChatRole::System, "Be brief."},
                                                         {ChatRole::User, "Hello!"},
                                                         {ChatRole::Assistant, " Hello! How can I help you today?"},
                                                         {ChatRole::User, "What is 7 + 5?\r\n\r\nThanks."}};
        QCOMPARE(bytes(rwkv::chatTranscript(messages)),
                 QByteArray("System: Be brief.\n\nUser: Hello!\n\nAssistant: Hello! How can I help you today?\n\n"
                            "User: What is 7 + 5?\nThanks.\n\nAssistant:"));
        QCOMPARE(bytes(rwkv::chatTranscript(messages)),
                 bytes(rwkv::systemPrompt("Be brief.") + rwkv::chatPrompt("Hello!") + " Hello! How can I help you today?\n\n"
                       + rwkv::chatPrompt("What is 7 + 5?\r\n\r\nThanks.")));
        QCOMPARE(bytes(rwkv::chatTranscript({})), QByteArray("Assistant:"));
    }

    void stopPassesTextThrough()
    {
        StopMatcher none({});
        QCOMPARE(bytes(none.push("abc\n\n")), QByteArray("abc\n\n"));
        QVERIFY(!none.stopped());
        StopMatcher empty({""});
        QCOMPARE(bytes(empty.push("abc")), QByteArray("abc"));
        QVERIFY(!empty.stopped());
    }

    void stopAcrossPushes()
    {
        StopMatcher m({"\n\n"});
        QCOMPARE(bytes(m.push("Hello")), QByteArray("Hello"));
        QCOMPARE(bytes(m.push(" world\n")), QByteArray(" world"));
        QVERIFY(!m.stopped());
        QCOMPARE(bytes(m.push("\nUser: more")), QByteArray());
        QVERIFY(m.stopped());
        QCOMPARE(bytes(m.push("later")), QByteArray());
        QCOMPARE(bytes(m.flush()), QByteArray());
    }

    void heldTailReleased()
    {
        StopMatcher m({"\n\n"});
        QCOMPARE(bytes(m.push("a\n")), QByteArray("a"));
        QCOMPARE(bytes(m.push("b")), QByteArray("\nb"));
        QCOMPARE(bytes(m.push("x\n")), QByteArray("x"));
        QCOMPARE(bytes(m.flush()), QByteArray("\n"));
        QVERIFY(!m.stopped());

        StopMatcher partial({"abcd"});
        QCOMPARE(bytes(partial.push("xxab")), QByteArray("xx"));
        QCOMPARE(bytes(partial.push("cX")), QByteArray("abcX"));
    }

    void earliestStopWins()
    {
        StopMatcher m({"ND!", "END"});
        QCOMPARE(bytes(m.push("abcEND!")), QByteArray("abc"));
        QVERIFY(m.stopped());
    }

    void stopByteByByte()
    {
        StopMatcher m({"User:", "\n\n"});
        QCOMPARE(bytes(streamByteByByte(m, "Hi there, Use it. User: x")), QByteArray("Hi there, Use it. "));
        QVERIFY(m.stopped());

        StopMatcher overlap({"aab"});
        QCOMPARE(bytes(streamByteByByte(overlap, "aaab tail")), QByteArray("a"));
        QVERIFY(overlap.stopped());

        StopMatcher never({"\n\n"});
        QCOMPARE(bytes(streamByteByByte(never, "line\nline\n")), QByteArray("line\nline\n"));
        QVERIFY(!never.stopped());
    }

    void stopOnMultibyteText()
    {
        StopMatcher m({"。\n"});
        QCOMPARE(bytes(m.push("你好。")), QByteArray("你好"));
        QCOMPARE(bytes(m.push("世")), QByteArray("。世"));
        QCOMPARE(bytes(m.push("界。\n后")), QByteArray("界"));
        QVERIFY(m.stopped());
    }
};

QTEST_GUILESS_MAIN(TestPromptFormat)
#include "test_prompt_format.moc"
