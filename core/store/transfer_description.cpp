#include "core/store/transfer_description.h"

#include "core/error.h"
#include "core/sampling_json.h"
#include "core/store/transfer_file.h"

#include <nlohmann/json.hpp>

#include <set>

namespace rwkv {

namespace {

using Json = nlohmann::ordered_json;

Json modelsJson(const std::vector<ModelRecord>& models)
{
    Json out = Json::array();
    for (const ModelRecord& m : models)
        out.push_back({{"fingerprint", m.fingerprint}, {"file", m.path}, {"generation", m.generation}, {"n_layer", m.nLayer},
                       {"n_embd", m.nEmbd}, {"n_head", m.nHead}, {"head_size", m.headSize}, {"vocab", m.vocab}});
    return out;
}

Json stateJson(const StateReference& s)
{
    Json out = Json::object();
    if (s.message) out["message"] = *s.message;
    out["model"] = s.model;
    out["section"] = s.section;
    out["created_ms"] = s.createdAt;
    return out;
}

// Reads fields of the parsed description, failing with the file's name and the field's place.
class FieldReader {
public:
    explicit FieldReader(const std::string& file) : m_file(file) {}

    [[noreturn]] void fail(const std::string& why) const
    {
        throw Error(ErrorCode::BadFile, m_file + ": the description " + why);
    }
    Json parse(std::string_view json, std::string_view kind) const
    {
        Json d;
        try {
            d = Json::parse(json);
        } catch (const Json::exception& e) {
            fail(std::string("is not valid JSON (") + e.what() + ")");
        }
        if (!d.is_object()) fail("is not a JSON object");
        if (text(d, "kind", "the file") != kind) fail("is not of a " + std::string(kind));
        return d;
    }
    const Json& member(const Json& o, const char* key, const std::string& where) const
    {
        const auto it = o.find(key);
        if (it == o.end()) fail("has no '" + std::string(key) + "' in " + where);
        return *it;
    }
    int64_t integer(const Json& o, const char* key, const std::string& where, int64_t min = 0) const
    {
        const Json& v = member(o, key, where);
        if (!v.is_number_integer() || v.get<int64_t>() < min)
            fail("has a bad '" + std::string(key) + "' in " + where + " (an integer ≥ " + std::to_string(min) + ")");
        return v.get<int64_t>();
    }
    int64_t optionalInteger(const Json& o, const char* key, const std::string& where) const
    {
        return o.contains(key) ? integer(o, key, where) : 0;
    }
    std::string text(const Json& o, const char* key, const std::string& where) const
    {
        const Json& v = member(o, key, where);
        if (!v.is_string()) fail("has a bad '" + std::string(key) + "' in " + where + " (text)");
        return v.get<std::string>();
    }
    std::string optionalText(const Json& o, const char* key, const std::string& where) const
    {
        return o.contains(key) ? text(o, key, where) : std::string();
    }
    const Json& array(const Json& o, const char* key, const std::string& where) const
    {
        const Json& v = member(o, key, where);
        if (!v.is_array()) fail("has a bad '" + std::string(key) + "' in " + where + " (a list)");
        return v;
    }
    const Json& object(const Json& v, const std::string& where) const
    {
        if (!v.is_object()) fail("has a bad " + where + " (an object)");
        return v;
    }
    std::string fingerprint(const Json& o, const char* key, const std::string& where) const
    {
        const std::string f = text(o, key, where);
        if (f.size() != 32 || !isLowerHex(f)) fail("has a bad '" + std::string(key) + "' in " + where + " (32 hex digits)");
        return f;
    }

    std::vector<ModelRecord> models(const Json& d) const
    {
        std::vector<ModelRecord> out;
        for (const Json& m : array(d, "models", "the file")) {
            object(m, "model");
            out.push_back({fingerprint(m, "fingerprint", "a model"), optionalText(m, "file", "a model"),
                           text(m, "generation", "a model"), integer(m, "n_layer", "a model"), integer(m, "n_embd", "a model"),
                           integer(m, "n_head", "a model"), integer(m, "head_size", "a model"), integer(m, "vocab", "a model")});
        }
        return out;
    }
    StateReference state(const Json& s, size_t sections, std::set<size_t>& used) const
    {
        object(s, "state");
        StateReference out;
        out.model = fingerprint(s, "model", "a state");
        const int64_t section = integer(s, "section", "a state");
        if (uint64_t(section) >= sections || !used.insert(size_t(section)).second)
            fail("names state section " + std::to_string(section) + ", which the file does not hold or names twice");
        out.section = size_t(section);
        out.createdAt = optionalInteger(s, "created_ms", "a state");
        return out;
    }

private:
    const std::string& m_file;
};

} // namespace

std::string describeState(const StateDescription& d)
{
    Json out = {{"kind", "state"}, {"name", d.name}, {"note", d.note}, {"models", modelsJson(d.models)}};
    out["state"] = stateJson(d.state);
    return out.dump(1);
}

std::string describeConversation(const ConversationDescription& d)
{
    Json out = {{"kind", "conversation"}, {"title", d.title}, {"system_prompt", d.settings.systemPrompt}};
    out["sampling"] = Json::parse(d.settings.samplingJson, nullptr, false);
    if (!out["sampling"].is_object())
        throw Error(ErrorCode::Database, "the conversation's sampling settings are damaged (not a JSON object)");
    out["current_message"] = d.currentMessage ? Json(*d.currentMessage) : Json();
    out["models"] = modelsJson(d.models);
    Json messages = Json::array();
    for (const MessageRecord& m : d.messages) {
        messages.push_back({{"id", m.id},
                            {"parent", m.parentId ? Json(*m.parentId) : Json()},
                            {"role", messageRoleName(m.role)},
                            {"content", m.content},
                            {"created_ms", m.createdAt}});
        if (m.tokenCount) messages.back()["tokens"] = *m.tokenCount;
    }
    out["messages"] = std::move(messages);
    Json states = Json::array();
    for (const StateReference& s : d.states) states.push_back(stateJson(s));
    out["states"] = std::move(states);
    return out.dump(1);
}

StateDescription parseStateDescription(std::string_view json, size_t sections, const std::string& file)
{
    const FieldReader r(file);
    const Json d = r.parse(json, "state");
    StateDescription out;
    out.name = r.text(d, "name", "the file");
    out.note = r.optionalText(d, "note", "the file");
    out.models = r.models(d);
    std::set<size_t> used;
    out.state = r.state(r.member(d, "state", "the file"), sections, used);
    if (sections != 1) r.fail("is of one state, but the file holds " + std::to_string(sections));
    return out;
}

ConversationDescription parseConversationDescription(std::string_view json, size_t sections, const std::string& file)
{
    const FieldReader r(file);
    const Json d = r.parse(json, "conversation");
    ConversationDescription out;
    out.title = r.text(d, "title", "the file");
    out.settings.systemPrompt = r.optionalText(d, "system_prompt", "the file");
    if (d.contains("sampling")) {
        out.settings.samplingJson = r.object(d.at("sampling"), "'sampling'").dump();
        try {
            samplingFromJson(out.settings.samplingJson);
        } catch (const Error& e) {
            r.fail(std::string("has bad sampling settings (") + e.what() + ")");
        }
    }
    out.models = r.models(d);
    std::set<int64_t> ids;
    for (const Json& m : r.array(d, "messages", "the file")) {
        r.object(m, "message");
        MessageRecord rec;
        rec.id = r.integer(m, "id", "a message", 1);
        const std::string where = "message " + std::to_string(rec.id);
        if (!ids.insert(rec.id).second) r.fail("has two messages " + std::to_string(rec.id));
        const Json& parent = r.member(m, "parent", where);
        if (!parent.is_null()) {
            rec.parentId = r.integer(m, "parent", where, 1);
            // Parents come first, so the links cannot form a cycle.
            if (*rec.parentId == rec.id || !ids.count(*rec.parentId))
                r.fail("gives " + where + " a parent that does not come before it");
        }
        const std::optional<MessageRole> role = messageRoleFromName(r.text(m, "role", where));
        if (!role) r.fail("gives " + where + " an unknown role (system, user, assistant or document)");
        rec.role = *role;
        rec.content = r.text(m, "content", where);
        rec.createdAt = r.optionalInteger(m, "created_ms", where);
        if (m.contains("tokens")) rec.tokenCount = r.integer(m, "tokens", where, 0);
        out.messages.push_back(std::move(rec));
    }
    const Json& current = r.member(d, "current_message", "the file");
    if (!current.is_null()) {
        out.currentMessage = r.integer(d, "current_message", "the file", 1);
        if (!ids.count(*out.currentMessage)) r.fail("continues from a message it does not hold");
    }
    std::set<size_t> used;
    for (const Json& s : r.array(d, "states", "the file")) {
        StateReference ref = r.state(s, sections, used);
        ref.message = r.integer(s, "message", "a state", 1);
        if (!ids.count(*ref.message)) r.fail("has a state of message " + std::to_string(*ref.message) + ", which it does not hold");
        out.states.push_back(std::move(ref));
    }
    if (used.size() != sections)
        r.fail("names " + std::to_string(used.size()) + " states, but the file holds " + std::to_string(sections));
    return out;
}

std::string describeWeights(const std::vector<ModelRecord>& models, const std::string& fingerprint)
{
    for (const ModelRecord& m : models)
        if (m.fingerprint == fingerprint && !m.path.empty()) return m.path + ", fingerprint " + fingerprint.substr(0, 12) + "…";
    return "fingerprint " + fingerprint.substr(0, 12) + "…";
}

} // namespace rwkv
