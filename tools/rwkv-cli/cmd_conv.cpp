// rwkv-cli conv list|show|branch|rm|rebuild|rename|read|export|import: stored conversations.
#include "core/chat_session.h"
#include "core/error.h"
#include "core/generation_checks.h"
#include "core/store/conversation_markdown.h"
#include "core/store/transfer.h"
#include "core/utf8_path.h"
#include "tools/rwkv-cli/commands.h"
#include "tools/rwkv-cli/model_setup.h"
#include "tools/rwkv-cli/progress_line.h"
#include "tools/rwkv-cli/store_setup.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <functional>
#include <iostream>
#include <set>
#include <stdexcept>

namespace rwkv::cli {

namespace {

nlohmann::json messageJson(const MessageRecord& m)
{
    return {{"id", m.id},
            {"parent", m.parentId ? nlohmann::json(*m.parentId) : nlohmann::json()},
            {"role", messageRoleName(m.role)},
            {"content", m.content},
            {"tokens", m.tokenCount ? nlohmann::json(*m.tokenCount) : nlohmann::json()}};
}

// One line of a message: "[12] user: text" (newlines shown as ⏎ so each message is one line).
std::string messageLine(const MessageRecord& m)
{
    std::string out = "[";
    out.append(std::to_string(m.id)).append("] ").append(messageRoleName(m.role)).append(":");
    if (!m.content.empty() && m.content[0] != ' ') out.push_back(' ');
    for (const char c : m.content) {
        if (c == '\n')
            out.append("⏎");
        else
            out.push_back(c);
    }
    if (m.tokenCount) out.append(" (").append(std::to_string(*m.tokenCount)).append(" tokens read)");
    return out;
}

int list(Store& store, Args& args)
{
    const bool json = args.flag("json");
    args.finish();
    const std::vector<ConversationInfo> all = store.conversations().list();
    if (json) {
        nlohmann::json out = nlohmann::json::array();
        for (const ConversationInfo& c : all)
            out.push_back({{"id", c.id}, {"title", c.title}, {"messages", c.messageCount}, {"updated_ms", c.updatedAt},
                           {"current_message", c.currentMessageId ? nlohmann::json(*c.currentMessageId) : nlohmann::json()}});
        std::cout << out.dump() << "\n";
        return 0;
    }
    for (const ConversationInfo& c : all)
        std::printf("%-5lld %-16s %4lld %-8s  %s\n", static_cast<long long>(c.id), formatTime(c.updatedAt).c_str(),
                    static_cast<long long>(c.messageCount), c.messageCount == 1 ? "message" : "messages", c.title.c_str());
    return 0;
}

int show(Store& store, const Invocation& call, Args& args)
{
    const bool all = args.flag("all");
    const bool json = args.flag("json");
    args.finish();
    const ConversationInfo c = store.conversations().get(parseId(call.positionals[0], "the conversation id"));
    const std::vector<MessageRecord> branch =
        c.currentMessageId ? store.conversations().pathTo(*c.currentMessageId) : std::vector<MessageRecord>{};
    const std::vector<MessageRecord> messages = all ? store.conversations().messages(c.id) : branch;
    if (json) {
        nlohmann::json out = {{"id", c.id}, {"title", c.title}, {"messages", nlohmann::json::array()}};
        out["current_message"] = c.currentMessageId ? nlohmann::json(*c.currentMessageId) : nlohmann::json();
        for (const MessageRecord& m : messages) out["messages"].push_back(messageJson(m));
        std::cout << out.dump() << "\n";
        return 0;
    }
    std::printf("conversation %lld: %s\n", static_cast<long long>(c.id), c.title.c_str());
    if (!all) {
        for (const MessageRecord& m : branch)
            if (m.role != MessageRole::System || !m.content.empty()) std::printf("%s\n", messageLine(m).c_str());
        return 0;
    }
    // The whole tree, depth-first, indented by depth; '*' marks the current branch.
    std::set<int64_t> onBranch;
    for (const MessageRecord& m : branch) onBranch.insert(m.id);
    const std::function<void(int64_t, int)> print = [&](int64_t id, int depth) {
        for (const MessageRecord& m : messages) {
            if (m.parentId != std::optional(id) && !(id == 0 && !m.parentId)) continue;
            std::printf("%s%s %s\n", std::string(size_t(depth) * 2, ' ').c_str(), onBranch.count(m.id) ? "*" : " ",
                        messageLine(m).c_str());
            print(m.id, depth + 1);
        }
    };
    print(0, 0);
    return 0;
}

int branch(Store& store, const Invocation& call, Args& args)
{
    const auto at = args.value("at");
    args.finish();
    if (!at) throw Error(ErrorCode::InvalidArgument, "usage: rwkv-cli conv branch ID --at MESSAGE");
    const int64_t id = parseId(call.positionals[0], "the conversation id");
    const int64_t messageId = parseId(*at, "--at");
    store.conversations().get(id);
    const MessageRecord m = store.conversations().message(messageId);
    if (m.conversationId != id)
        throw Error(ErrorCode::InvalidArgument, "message " + *at + " is not in conversation " + call.positionals[0]);
    if (m.role == MessageRole::User)
        throw Error(ErrorCode::InvalidArgument, "message " + *at + " is a user message; branch at a reply or the root");
    store.conversations().setCurrentMessage(id, messageId);
    std::printf("conversation %lld continues after message %lld\n", static_cast<long long>(id),
                static_cast<long long>(messageId));
    return 0;
}

int remove(Store& store, const Invocation& call, Args& args)
{
    args.finish();
    const int64_t id = parseId(call.positionals[0], "the conversation id");
    store.conversations().remove(id);
    std::printf("conversation %lld removed\n", static_cast<long long>(id));
    return 0;
}

int rebuild(Store& store, const Invocation& call, Args& args)
{
    LoadedModel m = loadModel(args);
    args.finish();
    ChatSession session(store, *m.model, requireTokenizer(m), m.path);
    session.open(parseId(call.positionals[0], "the conversation id"));
    const int written = session.rebuildByReplay(session.currentMessageId());
    std::printf("conversation %lld: %d states rebuilt for %s\n", static_cast<long long>(session.conversationId()), written,
                pathToUtf8(m.path.filename()).c_str());
    return 0;
}

int readInto(Store& store, const Invocation& call, Args& args)
{
    const std::string name = args.value("name").value_or("");
    LoadedModel m = loadModel(args);
    args.finish();
    ChatSession session(store, *m.model, requireTokenizer(m), m.path);
    session.open(parseId(call.positionals[0], "the conversation id"));
    ProgressLine progressLine(stderr);
    const DocumentTurn turn = session.readDocument(session.currentMessageId(), call.positionals[1], name,
                                                   [&](const IngestProgress& p) { progressLine.show(readingText(p)); });
    progressLine.clear();
    std::printf("conversation %lld: message %lld, '%s' read (%lld tokens in %.1f s), state saved in %.1f ms\n",
                static_cast<long long>(session.conversationId()), static_cast<long long>(turn.messageId),
                store.conversations().message(turn.messageId).content.c_str(), static_cast<long long>(turn.tokens),
                double(turn.readNs) / 1e9, double(turn.saveNs) / 1e6);
    return 0;
}

int rename(Store& store, const Invocation& call, Args& args)
{
    args.finish();
    const int64_t id = parseId(call.positionals[0], "the conversation id");
    const std::string& title = call.positionals[1];
    throwIfProblem(checkPromptText(title, "the title", true)); // valid UTF-8, not blank
    store.conversations().get(id);
    store.conversations().setTitle(id, title);
    std::printf("conversation %lld renamed to '%s'\n", static_cast<long long>(id), title.c_str());
    return 0;
}

int exportConversationFile(Store& store, const Invocation& call, Args& args)
{
    const bool markdown = args.flag("markdown");
    args.finish();
    const int64_t id = parseId(call.positionals[0], "the conversation id");
    const std::filesystem::path file = pathFromUtf8(call.positionals[1]);
    if (markdown) {
        const int64_t messages = exportConversationMarkdown(store.conversations(), id, file);
        std::printf("conversation %lld exported to %s as Markdown (%lld messages of the current branch)\n",
                    static_cast<long long>(id), call.positionals[1].c_str(), static_cast<long long>(messages));
        return 0;
    }
    const ExportSummary r = exportConversation(store, id, file);
    std::printf("conversation %lld exported to %s (%lld messages, %lld states, %s file)\n", static_cast<long long>(id),
                call.positionals[1].c_str(), static_cast<long long>(r.messages), static_cast<long long>(r.states),
                formatBytes(r.fileBytes).c_str());
    return 0;
}

int importConversationFile(Store& store, const Invocation& call, Args& args)
{
    LoadedModel m = loadModel(args);
    args.finish();
    const ImportedConversation r = importConversation(store, pathFromUtf8(call.positionals[0]), transferModel(m));
    std::printf("conversation %lld imported from %s (%lld messages, %lld states)\n", static_cast<long long>(r.conversationId),
                call.positionals[0].c_str(), static_cast<long long>(r.messages), static_cast<long long>(r.states));
    if (r.statesOfOtherWeights > 0)
        std::fprintf(stderr, "rwkv-cli: %lld states of other weights were left out; conv rebuild %lld recomputes them\n",
                     static_cast<long long>(r.statesOfOtherWeights), static_cast<long long>(r.conversationId));
    return 0;
}

} // namespace

int runConv(Invocation& call)
{
    Args& args = call.options;
    const std::string_view verb = call.spec->verb;
    std::unique_ptr<Store> store = openStore(args.value("db"));
    if (verb == "list") return list(*store, args);
    if (verb == "show") return show(*store, call, args);
    if (verb == "branch") return branch(*store, call, args);
    if (verb == "rm") return remove(*store, call, args);
    if (verb == "rebuild") return rebuild(*store, call, args);
    if (verb == "rename") return rename(*store, call, args);
    if (verb == "read") return readInto(*store, call, args);
    if (verb == "export") return exportConversationFile(*store, call, args);
    if (verb == "import") return importConversationFile(*store, call, args);
    throw std::logic_error("conv " + std::string(verb) + " has no handler");
}

} // namespace rwkv::cli
