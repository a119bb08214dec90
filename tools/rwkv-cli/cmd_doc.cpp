// rwkv-cli doc ingest|ask|chat|list|rm: documents read once (their state stored), asked many
// times, or chatted about.
#include "core/chat_session.h"
#include "core/document_library.h"
#include "core/error.h"
#include "core/sampling_json.h"
#include "tools/rwkv-cli/commands.h"
#include "tools/rwkv-cli/progress_line.h"
#include "tools/rwkv-cli/model_setup.h"
#include "tools/rwkv-cli/sampling_args.h"
#include "tools/rwkv-cli/store_setup.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <stdexcept>

namespace rwkv::cli {

namespace {

// Peak resident memory of this process (VmHWM), in bytes; 0 where unknown.
int64_t peakResidentBytes()
{
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6)) * 1024;
    return 0;
}

int ingest(Store& store, const Invocation& call, Args& args)
{
    IngestOptions options;
    options.name = args.value("name").value_or("");
    options.chunkTokens = args.intValue("chunk", 512);
    const bool stats = args.flag("stats");
    if (options.chunkTokens <= 0) throw Error(ErrorCode::InvalidArgument, "--chunk must be positive");
    LoadedModel m = loadModel(args);
    args.finish();
    DocumentLibrary library(store, *m.model, requireTokenizer(m), m.path);
    ProgressLine progressLine(stderr);
    const IngestProgressFn progress = [&](const IngestProgress& p) { progressLine.show(readingText(p)); };
    const IngestResult r = library.ingest(call.positionals[0], options, progress);
    progressLine.clear();
    const DocumentRecord& d = r.document;
    if (r.alreadyStored)
        std::printf("document %lld: '%s' was already read with this model (%lld tokens)\n", static_cast<long long>(d.id),
                    d.name.c_str(), static_cast<long long>(d.tokenCount));
    else
        std::printf("document %lld: '%s', %lld tokens read in %.1f s (%.0f tokens/s), state saved in %.1f ms\n",
                    static_cast<long long>(d.id), d.name.c_str(), static_cast<long long>(d.tokenCount),
                    double(r.readNs) / 1e9, r.readNs ? double(d.tokenCount) * 1e9 / double(r.readNs) : 0.0,
                    double(r.saveNs) / 1e6);
    if (stats) std::fprintf(stderr, "peak resident memory: %s\n", formatBytes(peakResidentBytes()).c_str());
    return 0;
}

int ask(Store& store, const Invocation& call, Args& args)
{
    const bool json = args.flag("json");
    GenerationOptions options;
    options.maxTokens = args.intValue("max-tokens", 200);
    // Answers are copied out of the document: greedy unless asked otherwise.
    SamplingParams defaults = chatSamplingDefaults(false);
    defaults.temperature = 0;
    options.sampling = parseSampling(args, defaults);
    options.exemptWhitespaceDigits = false;
    requireValidPrompt(call.positionals[1], "the question", true);
    requireValidOptions(options);
    LoadedModel m = loadModel(args);
    args.finish();
    DocumentLibrary library(store, *m.model, requireTokenizer(m), m.path);
    const DocumentRecord d = library.find(call.positionals[0]);
    const GenerationResult r = library.ask(d.id, call.positionals[1], options, json ? TextFn{} : TextFn(writeStdout));
    if (json)
        std::cout << nlohmann::json({{"document", d.id}, {"answer", r.text}, {"tokens", r.tokens}}).dump() << "\n";
    else
        writeStdout("\n");
    return 0;
}

int chat(Store& store, const Invocation& call, Args& args)
{
    LoadedModel m = loadModel(args);
    args.finish();
    DocumentLibrary library(store, *m.model, requireTokenizer(m), m.path);
    const DocumentRecord d = library.find(call.positionals[0]);
    ChatSession session(store, *m.model, requireTokenizer(m), m.path);
    ConversationSettings settings;
    settings.samplingJson = samplingToJson(chatSamplingDefaults(false));
    session.startFromDocument(d, library.documentState(d.id), settings);
    std::printf("conversation %lld: about document %lld '%s' (%lld tokens); continue it with "
                "rwkv-cli chat --conversation %lld\n",
                static_cast<long long>(session.conversationId()), static_cast<long long>(d.id), d.name.c_str(),
                static_cast<long long>(d.tokenCount), static_cast<long long>(session.conversationId()));
    return 0;
}

int list(Store& store, Args& args)
{
    const bool json = args.flag("json");
    args.finish();
    nlohmann::json out = nlohmann::json::array();
    for (const DocumentRecord& d : store.documents().list()) {
        if (json) {
            out.push_back({{"id", d.id}, {"name", d.name}, {"bytes", d.byteSize}, {"tokens", d.tokenCount},
                           {"model_fingerprint", d.modelFingerprint}, {"created_ms", d.createdAt}});
            continue;
        }
        std::printf("%-5lld %-32s %10s %9lld tokens  %s\n", static_cast<long long>(d.id), d.name.c_str(),
                    formatBytes(d.byteSize).c_str(), static_cast<long long>(d.tokenCount), formatTime(d.createdAt).c_str());
    }
    if (json) std::cout << out.dump() << "\n";
    return 0;
}

int remove(Store& store, const Invocation& call, Args& args)
{
    args.finish();
    const int64_t id = parseId(call.positionals[0], "the document id");
    if (!store.documents().find(id)) throw Error(ErrorCode::InvalidArgument, "no document " + call.positionals[0]);
    store.documents().remove(id);
    std::printf("document %lld removed\n", static_cast<long long>(id));
    return 0;
}

} // namespace

int runDoc(Invocation& call)
{
    Args& args = call.options;
    const std::string_view verb = call.spec->verb;
    std::unique_ptr<Store> store = openStore(args.value("db"));
    if (verb == "ingest") return ingest(*store, call, args);
    if (verb == "ask") return ask(*store, call, args);
    if (verb == "chat") return chat(*store, call, args);
    if (verb == "list") return list(*store, args);
    if (verb == "rm") return remove(*store, call, args);
    throw std::logic_error("doc " + std::string(verb) + " has no handler");
}

} // namespace rwkv::cli
