// rwkv-cli state save|load|list|rm|rename|export|import: named snapshots of a model state in the store.
#include "core/chat_session.h"
#include "core/error.h"
#include "core/generator.h"
#include "core/prompt_format.h"
#include "core/store/transfer.h"
#include "core/utf8_path.h"
#include "tools/rwkv-cli/commands.h"
#include "tools/rwkv-cli/model_setup.h"
#include "tools/rwkv-cli/sampling_args.h"
#include "tools/rwkv-cli/state_bench.h"
#include "tools/rwkv-cli/store_setup.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <stdexcept>

namespace rwkv::cli {

namespace {

double millisSince(std::chrono::steady_clock::time_point t0)
{
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

int save(Store& store, const Invocation& call, Args& args)
{
    const std::string& name = call.positionals[0];
    const auto text = args.value("text");
    const auto conversation = args.value("conversation");
    const auto stateFile = args.value("state");
    const bool replace = args.flag("replace");
    const std::string note = args.value("note").value_or("");
    if (text.has_value() == conversation.has_value())
        throw Error(ErrorCode::InvalidArgument, "give exactly one of --text TEXT or --conversation ID");
    if (conversation && stateFile) throw Error(ErrorCode::InvalidArgument, "--state applies to --text");
    if (text) requireValidPrompt(*text, "--text", false);
    if (!note.empty()) requireValidPrompt(note, "--note", false);
    if (store.snapshots().named(name) && !replace)
        throw Error(ErrorCode::InvalidArgument, "a state named '" + name + "' exists; use --replace or rm it first");
    LoadedModel m = loadModel(args);
    args.finish();

    State state = initialState(m, stateFile);
    if (text) {
        m.model->forward(requireTokenizer(m).encode(*text), state);
    } else {
        ChatSession session(store, *m.model, requireTokenizer(m), m.path);
        session.open(parseId(*conversation, "--conversation"));
        state = session.restore(session.currentMessageId());
    }
    saveNamedState(store, name, m, state, replace, stdout);
    if (!note.empty()) store.snapshots().setNote(store.snapshots().named(name)->id, note);
    return 0;
}

int load(Store& store, const Invocation& call, Args& args)
{
    const std::string& name = call.positionals[0];
    const auto prompt = args.value("prompt");
    const bool chat = args.flag("chat");
    const bool json = args.flag("json");
    GenerationOptions options;
    options.maxTokens = args.intValue("max-tokens", chat ? 500 : 128);
    options.sampling = parseSampling(args, chat ? chatSamplingDefaults(false) : SamplingParams{});
    if (chat) {
        options.stopStrings = {std::string(kTurnEnd)};
        options.exemptWhitespaceDigits = false;
    }
    if (chat && !prompt) throw Error(ErrorCode::InvalidArgument, "--chat needs --prompt TEXT");
    if (prompt) requireValidPrompt(*prompt, "--prompt", chat);
    requireValidOptions(options);
    options.dropLeadingSpace = chat;
    const std::optional<SnapshotInfo> info = store.snapshots().named(name);
    if (!info) throw Error(ErrorCode::InvalidArgument, "no state named '" + name + "' in " + pathToUtf8(store.database().path()));
    LoadedModel m = loadModel(args);
    args.finish();

    const auto t0 = std::chrono::steady_clock::now();
    State state = store.snapshots().load(info->id, m.model->config(), m.model->fingerprint());
    const double restoreMs = millisSince(t0);
    if (!prompt) {
        if (json)
            std::cout << nlohmann::json({{"name", name}, {"bytes", info->byteSize}, {"stored_bytes", info->storedBytes},
                                         {"restore_ms", restoreMs}})
                             .dump()
                      << "\n";
        else
            std::printf("state '%s' restored (%s) in %.2f ms\n", name.c_str(), formatBytes(info->byteSize).c_str(), restoreMs);
        return 0;
    }
    const Tokenizer& tokenizer = requireTokenizer(m);
    const GenerationResult r = generate(*m.model, &tokenizer, tokenizer.encode(chat ? chatPrompt(*prompt) : *prompt), state,
                                        options, json ? TextFn{} : TextFn(writeStdout));
    if (json)
        std::cout << nlohmann::json({{"text", r.text}, {"tokens", r.tokens}, {"restore_ms", restoreMs}}).dump() << "\n";
    else
        writeStdout("\n");
    return 0;
}

int list(Store& store, Args& args)
{
    const bool json = args.flag("json");
    args.finish();
    nlohmann::json out = nlohmann::json::array();
    for (const SnapshotInfo& s : store.snapshots().listNamed()) {
        const std::string model = store.snapshots().modelPath(s.modelFingerprint).value_or(s.modelFingerprint);
        if (json) {
            out.push_back({{"name", s.name}, {"bytes", s.byteSize}, {"stored_bytes", s.storedBytes}, {"model", model},
                           {"model_fingerprint", s.modelFingerprint}, {"created_ms", s.createdAt}, {"note", s.note}});
            continue;
        }
        std::printf("%-24s %10s %10s stored  %s  %s%s%s\n", s.name.c_str(), formatBytes(s.byteSize).c_str(),
                    formatBytes(s.storedBytes).c_str(), formatTime(s.createdAt).c_str(),
                    pathToUtf8(pathFromUtf8(model).filename()).c_str(), s.note.empty() ? "" : "  — ", s.note.c_str());
    }
    if (json) std::cout << out.dump() << "\n";
    return 0;
}

int remove(Store& store, const Invocation& call, Args& args)
{
    args.finish();
    const std::optional<SnapshotInfo> info = store.snapshots().named(call.positionals[0]);
    if (!info) throw Error(ErrorCode::InvalidArgument, "no state named '" + call.positionals[0] + "'");
    store.snapshots().remove(info->id);
    std::printf("state '%s' removed\n", call.positionals[0].c_str());
    return 0;
}

int rename(Store& store, const Invocation& call, Args& args)
{
    args.finish();
    const std::optional<SnapshotInfo> info = store.snapshots().named(call.positionals[0]);
    if (!info) throw Error(ErrorCode::InvalidArgument, "no state named '" + call.positionals[0] + "'");
    store.snapshots().rename(info->id, call.positionals[1]);
    std::printf("state '%s' renamed to '%s'\n", call.positionals[0].c_str(), call.positionals[1].c_str());
    return 0;
}

int exportState(Store& store, const Invocation& call, Args& args)
{
    args.finish();
    const std::string& name = call.positionals[0];
    const ExportSummary r = exportNamedState(store, name, pathFromUtf8(call.positionals[1]));
    std::printf("state '%s' exported to %s (%s state, %s file)\n", name.c_str(), call.positionals[1].c_str(),
                formatBytes(r.stateBytes).c_str(), formatBytes(r.fileBytes).c_str());
    return 0;
}

int importState(Store& store, const Invocation& call, Args& args)
{
    const auto name = args.value("name");
    const bool replace = args.flag("replace");
    if (name && name->empty()) throw Error(ErrorCode::InvalidArgument, "--name must not be empty");
    LoadedModel m = loadModel(args);
    args.finish();
    const ImportedState r = importNamedState(store, pathFromUtf8(call.positionals[0]), transferModel(m), name, replace);
    std::printf("state '%s' %s from %s (snapshot %lld)\n", r.name.c_str(), r.replaced ? "replaced" : "imported",
                call.positionals[0].c_str(), static_cast<long long>(r.snapshotId));
    return 0;
}

} // namespace

void saveNamedState(Store& store, const std::string& name, const LoadedModel& m, const State& state, bool replace,
                    std::FILE* report)
{
    const std::optional<SnapshotInfo> existing = store.snapshots().named(name);
    if (existing && !replace)
        throw Error(ErrorCode::InvalidArgument, "a state named '" + name + "' exists; use --replace or rm it first");
    const auto t0 = std::chrono::steady_clock::now();
    const EncodedSnapshot encoded = store.snapshots().codec().encode(state);
    Transaction tx(store.database());
    store.snapshots().registerModel(m.model->fingerprint(), m.path, m.model->config());
    if (existing) store.snapshots().remove(existing->id);
    const int64_t id = store.snapshots().insert(encoded, state.weightsFingerprint(), {std::nullopt, name});
    tx.commit();
    std::fprintf(report, "state '%s' saved (snapshot %lld, %s, %s stored, %.1f ms)\n", name.c_str(), static_cast<long long>(id),
                 formatBytes(encoded.byteSize).c_str(), formatBytes(int64_t(encoded.data.size())).c_str(), millisSince(t0));
}

void saveChatState(const std::optional<std::string>& db, const std::string& name, const LoadedModel& m, const State& state)
{
    saveNamedState(*openStore(db), name, m, state, true, stderr);
}

int runState(Invocation& call)
{
    Args& args = call.options;
    const std::string_view verb = call.spec->verb;
    if (verb == "bench") return runStateBench(args);
    std::unique_ptr<Store> store = openStore(args.value("db"));
    if (verb == "save") return save(*store, call, args);
    if (verb == "load") return load(*store, call, args);
    if (verb == "list") return list(*store, args);
    if (verb == "rm") return remove(*store, call, args);
    if (verb == "rename") return rename(*store, call, args);
    if (verb == "export") return exportState(*store, call, args);
    if (verb == "import") return importState(*store, call, args);
    throw std::logic_error("state " + std::string(verb) + " has no handler");
}

} // namespace rwkv::cli
