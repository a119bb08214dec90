// The one check of generation settings and prompts (core/generation_checks.h) that rwkv-cli,
// the app and the API share: the edges of every range, NaN, the reply limit, prompts that are
// empty or not UTF-8, and generate() refusing what no front end checked (the app's path).
#include "backends/registry.h"
#include "core/error.h"
#include "core/generation_checks.h"
#include "core/tokenizer/world_tokenizer.h"
#include "support/test_support.h"

#include <QTest>

#include <cmath>
#include <functional>
#include <limits>

using namespace rwkv;

namespace {

// The name of the first setting refused, or "" when all are in range.
std::string refused(const std::function<void(GenerationOptions&)>& change, int maxTokens = kMaxReplyTokens)
{
    GenerationOptions o;
    change(o);
    const auto problem = checkGenerationOptions(o, maxTokens);
    return problem ? problem->setting : std::string();
}

} // namespace

class TestGenerationChecks : public QObject {
    Q_OBJECT

private slots:
    void defaultsAndEdgesPass()
    {
        QCOMPARE(refused([](GenerationOptions&) {}), std::string());
        QCOMPARE(refused([](GenerationOptions& o) {
                     o.maxTokens = 0;
                     o.sampling = {0.0f, 0.0f, 0, -2.0f, -2.0f, 0.0f, {}, {}};
                 }),
                 std::string());
        QCOMPARE(refused([](GenerationOptions& o) {
                     o.maxTokens = kMaxReplyTokens;
                     o.sampling = {2.0f, 1.0f, 1 << 30, 2.0f, 2.0f, 1.0f, {}, {}};
                 }),
                 std::string());
    }

    void eachRangeRefusesJustOutside()
    {
        const float nan = std::numeric_limits<float>::quiet_NaN();
        QCOMPARE(refused([](GenerationOptions& o) { o.maxTokens = -1; }), std::string("max_tokens"));
        QCOMPARE(refused([](GenerationOptions& o) { o.maxTokens = kMaxReplyTokens + 1; }), std::string("max_tokens"));
        QCOMPARE(refused([](GenerationOptions& o) { o.maxTokens = 200; }, 100), std::string("max_tokens"));
        QCOMPARE(refused([](GenerationOptions& o) { o.sampling.temperature = -0.01f; }), std::string("temperature"));
        QCOMPARE(refused([](GenerationOptions& o) { o.sampling.temperature = 2.01f; }), std::string("temperature"));
        QCOMPARE(refused([&](GenerationOptions& o) { o.sampling.temperature = nan; }), std::string("temperature"));
        QCOMPARE(refused([](GenerationOptions& o) { o.sampling.topP = 1.01f; }), std::string("top_p"));
        QCOMPARE(refused([](GenerationOptions& o) { o.sampling.topP = -0.01f; }), std::string("top_p"));
        QCOMPARE(refused([](GenerationOptions& o) { o.sampling.topK = -1; }), std::string("top_k"));
        QCOMPARE(refused([](GenerationOptions& o) { o.sampling.presencePenalty = 2.5f; }), std::string("presence_penalty"));
        QCOMPARE(refused([](GenerationOptions& o) { o.sampling.frequencyPenalty = -2.5f; }), std::string("frequency_penalty"));
        QCOMPARE(refused([](GenerationOptions& o) { o.sampling.penaltyDecay = 1.5f; }), std::string("penalty_decay"));
        GenerationOptions o;
        o.sampling.topP = 2;
        QCOMPARE(checkGenerationOptions(o)->requirement, std::string("must be between 0 and 1"));
    }

    void prompts()
    {
        QVERIFY(!checkPromptText("Hello", "prompt", true));
        QVERIFY(!checkPromptText(" ", "prompt", false)); // a completion may continue a space
        QCOMPARE(checkPromptText("", "prompt", false)->requirement, std::string("must not be empty"));
        QCOMPARE(checkPromptText(" \r\n\t", "the message", true)->requirement, std::string("must not be empty"));
        QCOMPARE(checkPromptText("caf\xe9", "prompt", false)->requirement, std::string("is not valid UTF-8 text"));
        QCOMPARE(checkPromptText("\xc3", "prompt", true)->setting, std::string("prompt"));
        QVERIFY(!checkPromptText("café 模型", "prompt", true));
    }

    // A caller that checks nothing (the app hands its settings to ChatSession) is refused by generate().
    void generateRefusesOutOfRange()
    {
        const auto device = createDevice("cpu");
        const auto model = Model::load(Checkpoint::open(test::demoModelPath()), *device, DType::F32);
        const auto tokenizer = WorldTokenizer::load(test::worldVocabPath());
        State state = model->newState();
        GenerationOptions o;
        o.sampling.topP = 3;
        try {
            generate(*model, tokenizer.get(), tokenizer->encode("Hello"), state, o);
            QFAIL("generate accepted top_p 3");
        } catch (const Error& e) {
            QCOMPARE(e.code(), ErrorCode::InvalidArgument);
            QVERIFY2(std::string(e.what()).find("top_p") != std::string::npos, e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestGenerationChecks)
#include "test_generation_checks.moc"
