// rwkv-cli chat --db F [--conversation ID]: a conversation kept in the store. Each turn
// restores the state saved after the previous reply (no history is replayed) and saves the
// state after the new reply.
#include "core/chat_session.h"
#include "core/error.h"
#include "core/prompt_format.h"
#include "core/sampling_json.h"
#include "core/utf8_path.h"
#include "tools/rwkv-cli/chat_loop.h"
#include "tools/rwkv-cli/commands.h"
#include "tools/rwkv-cli/model_setup.h"
#include "tools/rwkv-cli/sampling_args.h"
#include "tools/rwkv-cli/store_setup.h"

#include <cstdio>

namespace rwkv::cli {

int runStoredChat(Args& args, const std::optional<std::string>& db, const std::optional<std::string>& conversation)
{
    const auto prompt = args.value("prompt");
    const auto system = args.value("system");
    const auto stateFile = args.value("state");
    const bool stats = args.flag("stats");
    if (args.value("format").value_or("chat") != "chat")
        throw Error(ErrorCode::InvalidArgument, "a stored conversation uses the chat format");
    const bool resume = conversation.has_value();
    const int64_t id = resume ? parseId(*conversation, "--conversation") : 0;
    if (resume && (system || stateFile))
        throw Error(ErrorCode::InvalidArgument, "--system and --state apply to a new conversation, not to --conversation "
                                                    + std::to_string(id));
    if (prompt) requireValidPrompt(*prompt, "--prompt", true);
    std::unique_ptr<Store> store = openStore(db);

    // A resumed conversation samples as it was started, unless options say otherwise.
    SamplingParams defaults = chatSamplingDefaults(stateFile.has_value());
    if (resume) defaults = samplingFromJson(store->conversations().settings(store->conversations().get(id).id).samplingJson, defaults);
    GenerationOptions options;
    options.maxTokens = args.intValue("max-tokens", 500);
    options.sampling = parseSampling(args, defaults);
    options.stopStrings = {std::string(kTurnEnd)};
    options.exemptWhitespaceDigits = false;
    requireValidOptions(options);
    LoadedModel m = loadModel(args);
    args.finish();
    const Tokenizer& tokenizer = requireTokenizer(m);
    noteDemoModel(m);

    ChatSession session(*store, *m.model, tokenizer, m.path);
    if (resume) {
        session.open(id);
        try {
            session.restore(session.currentMessageId());
        } catch (const Error& e) {
            if (e.code() != ErrorCode::IncompatibleState) throw;
            throw Error(e.code(), std::string(e.what()) + " (rwkv-cli conv rebuild " + std::to_string(id) + ")");
        }
    }
    // A new conversation is created with its first message, so a session without one leaves nothing behind.
    bool open = resume;
    auto startIfNeeded = [&] {
        if (open) return;
        ConversationSettings settings;
        settings.systemPrompt = system.value_or("");
        settings.samplingJson = samplingToJson(options.sampling);
        session.start(initialState(m, stateFile), "", settings);
        open = true;
        std::fprintf(stderr, "conversation %lld\n", static_cast<long long>(session.conversationId()));
    };
    auto report = [&](const ChatTurn& t) {
        writeStdout("\n");
        if (stats)
            std::fprintf(stderr, "prompt %lld tokens, restore %.2f ms, reply %d tokens, save %.2f ms\n",
                         static_cast<long long>(t.promptTokens), double(t.restoreNs) / 1e6, t.generation.decodeTokens,
                         double(t.saveNs) / 1e6);
    };
    auto turn = [&](const std::string& message) {
        requireValidPrompt(message, "the message", true);
        startIfNeeded();
        report(session.send(message, options, writeStdout));
    };
    if (prompt) {
        turn(*prompt);
        return 0;
    }
    ChatActions actions;
    actions.send = turn;
    actions.regenerate = [&] {
        if (!open || session.currentMessageId() == 0 || store->conversations().message(session.currentMessageId()).role != MessageRole::Assistant)
            throw Error(ErrorCode::InvalidArgument, "there is no reply to regenerate yet");
        report(session.regenerate(session.currentMessageId(), options, writeStdout));
    };
    actions.reset = [&] { open = false; };
    actions.save = [&](const std::string& name) {
        const State state = open ? session.restore(session.currentMessageId()) : initialState(m, stateFile);
        saveChatState(db, name, m, state);
    };
    const std::string which = resume ? "Conversation " + std::to_string(id) : std::string("A new conversation");
    return runChatLoop(actions, which + " with " + pathToUtf8(m.path.filename()) + ", saved after every reply.");
}

} // namespace rwkv::cli
