// The API request parser's integer ranges at their edges, including 0, which the JSON parser
// keeps as an unsigned number: "n": 0 was accepted as a request for no reply at all (found by
// fuzz_api_request in CI, 2026-12-06; the input is the first row below).
#include "server/api_request.h"

#include <QTest>

#include <string>
#include <variant>

using namespace rwkv::server;

class TestServeRequest : public QObject {
    Q_OBJECT

    static std::variant<CompletionRequest, ApiError> chat(const std::string& extra)
    {
        const RequestLimits limits{"rwkv-test", 64, 4096, 16};
        return parseRequest(Endpoint::Chat, R"({"messages":[{"role":"user","content":"Hi"}])" + extra + "}", limits);
    }

private slots:
    void choices_data()
    {
        QTest::addColumn<QString>("extra");
        QTest::addColumn<int>("choices"); // 0: refused with param "n"
        QTest::newRow("n 0") << R"(,"n":0)" << 0;
        QTest::newRow("n -1") << R"(,"n":-1)" << 0;
        QTest::newRow("n 17") << R"(,"n":17)" << 0;
        QTest::newRow("n huge") << R"(,"n":18446744073709551615)" << 0;
        QTest::newRow("n 1") << R"(,"n":1)" << 1;
        QTest::newRow("n 16") << R"(,"n":16)" << 16;
        QTest::newRow("no n") << "" << 1;
    }

    void choices()
    {
        QFETCH(QString, extra);
        QFETCH(int, choices);
        const auto result = chat(extra.toStdString());
        if (choices == 0) {
            const auto* error = std::get_if<ApiError>(&result);
            QVERIFY2(error, "accepted");
            QCOMPARE(error->status, 400);
            QCOMPARE(error->param, std::string("n"));
            QCOMPARE(error->message, std::string("'n' must be between 1 and 16"));
        } else {
            const auto* request = std::get_if<CompletionRequest>(&result);
            QVERIFY2(request, request ? "" : std::get<ApiError>(result).message.c_str());
            QCOMPARE(request->choices, choices);
        }
    }

    // Settings whose range starts at or below zero still take 0, and negative values stay out
    // of ranges that start at 0.
    void otherIntegers()
    {
        QVERIFY(std::holds_alternative<CompletionRequest>(chat(R"(,"top_k":0,"seed":0,"max_tokens":0)")));
        const auto negative = chat(R"(,"max_tokens":-1)");
        const auto* refused = std::get_if<ApiError>(&negative);
        QVERIFY2(refused, "max_tokens -1 accepted");
        QCOMPARE(refused->param, std::string("max_tokens"));
    }
};

QTEST_GUILESS_MAIN(TestServeRequest)
#include "test_serve_request.moc"
