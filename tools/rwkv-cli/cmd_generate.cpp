// rwkv-cli generate / chat.
#include "core/error.h"
#include "core/generator.h"
#include "core/prompt_format.h"
#include "core/utf8_path.h"
#include "tools/rwkv-cli/chat_loop.h"
#include "tools/rwkv-cli/commands.h"
#include "tools/rwkv-cli/model_setup.h"
#include "tools/rwkv-cli/sampling_args.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

namespace rwkv::cli {

namespace {

void printStdout(std::string_view text)
{
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
}

} // namespace

int runGenerate(Args& args)
{
    const auto prompt = args.value("prompt");
    const auto tokens = args.intList("tokens");
    const bool json = args.flag("json");
    GenerationOptions options;
    options.maxTokens = args.intValue("max-tokens", 128);
    options.sampling = parseSampling(args, SamplingParams{});
    options.stopStrings = args.values("stop");
    const auto stateFile = args.value("state");
    if (prompt.has_value() == tokens.has_value())
        throw Error(ErrorCode::InvalidArgument, "give exactly one of --prompt TEXT or --tokens CSV");
    if (prompt) requireValidPrompt(*prompt, "--prompt", false);
    requireValidOptions(options);
    LoadedModel m = loadModel(args);
    args.finish();

    const std::vector<int32_t> ids = prompt ? requireTokenizer(m).encode(*prompt) : *tokens;
    State state = initialState(m, stateFile);
    const GenerationResult r =
        generate(*m.model, m.tokenizer.get(), ids, state, options, json ? std::function<void(std::string_view)>{} : printStdout);
    if (json) {
        const nlohmann::json j = {{"tokens", r.tokens},
                                  {"text", r.text},
                                  {"prompt_tokens", r.prefillTokens},
                                  {"prefill_tokens_per_s", r.prefillTokensPerSecond()},
                                  {"decode_tokens_per_s", r.decodeTokensPerSecond()}};
        std::cout << j.dump() << "\n";
    } else {
        std::printf("\n");
    }
    return 0;
}

int runChat(Args& args)
{
    // A stored conversation (--db F, --conversation ID) resumes from its snapshot.
    const auto db = args.value("db");
    const auto conversation = args.value("conversation");
    if (db || conversation) return runStoredChat(args, db, conversation);
    const auto prompt = args.value("prompt");
    const auto system = args.value("system");
    const auto stateFile = args.value("state");
    const auto format = args.value("format");
    if (format && *format != "chat" && *format != "completion")
        throw Error(ErrorCode::InvalidArgument, "--format must be chat or completion");
    GenerationOptions options;
    options.maxTokens = args.intValue("max-tokens", 500);
    // The official chat loop's settings (rwkv-spec §7.3): stop at the turn end.
    options.sampling = parseSampling(args, chatSamplingDefaults(stateFile.has_value()));
    options.stopStrings = {std::string(kTurnEnd)};
    options.exemptWhitespaceDigits = false;
    if (prompt) requireValidPrompt(*prompt, "--prompt", format.value_or("chat") == "chat");
    requireValidOptions(options);
    LoadedModel m = loadModel(args);
    args.finish();
    const Tokenizer& tokenizer = requireTokenizer(m);
    // RWKV-4 Pile models were never trained on the chat format: they continue plain text.
    const bool pileModel = m.model->config().generation == Generation::X040 && tokenizer.name() == "neox";
    const bool completion = format ? *format == "completion" : pileModel;
    if (completion && system) throw Error(ErrorCode::InvalidArgument, "--system needs the chat format");
    options.dropLeadingSpace = !completion;
    noteDemoModel(m);

    const State initial = initialState(m, stateFile);
    State state = initial;
    std::string pending = system ? systemPrompt(*system) : std::string();
    // Where the last turn began, for /regenerate.
    State beforeTurn = state;
    std::string pendingBefore, lastMessage;
    auto turn = [&](const std::string& message) {
        requireValidPrompt(message, "the message", !completion);
        beforeTurn = state;
        pendingBefore = pending;
        lastMessage = message;
        const std::vector<int32_t> ids = tokenizer.encode(completion ? message : pending + chatPrompt(message));
        pending.clear();
        generate(*m.model, &tokenizer, ids, state, options, printStdout);
        printStdout("\n");
    };
    if (prompt) {
        turn(*prompt);
        return 0;
    }
    ChatActions actions;
    actions.send = turn;
    actions.regenerate = [&] {
        if (lastMessage.empty()) throw Error(ErrorCode::InvalidArgument, "there is no reply to regenerate yet");
        state = beforeTurn;
        pending = pendingBefore;
        turn(lastMessage);
    };
    actions.reset = [&] {
        state = initial;
        pending = system ? systemPrompt(*system) : std::string();
        lastMessage.clear();
    };
    actions.save = [&](const std::string& name) { saveChatState(std::nullopt, name, m, state); };
    return runChatLoop(actions, "Chatting with " + pathToUtf8(m.path.filename()) + ".");
}

} // namespace rwkv::cli
