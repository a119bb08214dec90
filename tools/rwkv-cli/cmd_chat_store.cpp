// rwkv-cli chat --db F [--conversation ID]: a conversation kept in the store. Each turn
// restores the state saved after the previous reply (no history is replayed) and saves the
// state after the new reply.
#include "core/chat_session.h"
#include "core/error.h"
#include "core/prompt_format.h"
#include "core/sampling_json.h"
#include "core/utf8_path.h"
#include "tools/rwkv-cli/commands.h"
#include "tools/rwkv-cli/console.h"
#include "tools/rwkv-cli/model_setup.h"
#include "tools/rwkv-cli/sampling_args.h"
#include "tools/rwkv-cli/store_setup.h"

#include <cstdio>
#include <iostream>

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
    std::unique_ptr<Store> store = openStore(db);

    // A resumed conversation samples as it was started, unless options say otherwise.
    SamplingParams defaults = chatSamplingDefaults(stateFile.has_value());
    if (resume) defaults = samplingFromJson(store->conversations().settings(store->conversations().get(id).id).samplingJson, defaults);
    GenerationOptions options;
    options.maxTokens = args.intValue("max-tokens", 500);
    options.sampling = parseSampling(args, defaults);
    options.stopStrings = {std::string(kTurnEnd)};
    options.exemptWhitespaceDigits = false;
    LoadedModel m = loadModel(args);
    args.finish();
    const Tokenizer& tokenizer = requireTokenizer(m);

    ChatSession session(*store, *m.model, tokenizer, m.path);
    if (resume) {
        session.open(id);
        try {
            session.restore(session.currentMessageId());
        } catch (const Error& e) {
            if (e.code() != ErrorCode::IncompatibleState) throw;
            throw Error(e.code(), std::string(e.what()) + " (rwkv-cli conv rebuild " + std::to_string(id) + ")");
        }
    } else {
        ConversationSettings settings;
        settings.systemPrompt = system.value_or("");
        settings.samplingJson = samplingToJson(options.sampling);
        session.start(initialState(m, stateFile), "", settings);
        std::fprintf(stderr, "conversation %lld\n", static_cast<long long>(session.conversationId()));
    }

    auto turn = [&](const std::string& message) {
        const ChatTurn t = session.send(message, options, writeStdout);
        writeStdout("\n");
        if (stats)
            std::fprintf(stderr, "prompt %lld tokens, restore %.2f ms, reply %d tokens, save %.2f ms\n",
                         static_cast<long long>(t.promptTokens), double(t.restoreNs) / 1e6, t.generation.decodeTokens,
                         double(t.saveNs) / 1e6);
    };
    if (prompt) {
        turn(*prompt);
        return 0;
    }
    const bool interactive = isTerminal(stdin);
    if (interactive)
        std::fprintf(stderr, "Conversation %lld with %s. An empty line or Ctrl-D ends; it is saved after every reply.\n",
                     static_cast<long long>(session.conversationId()), pathToUtf8(m.path.filename()).c_str());
    for (std::string line;;) {
        if (interactive) std::fprintf(stderr, "User: ");
        if (!std::getline(std::cin, line) || line.empty()) break;
        if (interactive) std::fprintf(stderr, "Assistant:");
        turn(line);
    }
    return 0;
}

} // namespace rwkv::cli
