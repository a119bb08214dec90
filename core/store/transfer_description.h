#pragma once
// The JSON description inside a .rwkvx file (docs/transfer-format.md): written from store
// rows, and read back into checked values. Reading checks every field's type, every link
// (a parent before its child, a state on a known message, each section used once) and the
// settings, so the importer only inserts what is already known to fit.
#include "core/store/conversation_store.h"
#include "core/store/snapshot_store.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rwkv {

// A state section and the message (if any) and weights it belongs to.
struct StateReference {
    std::optional<int64_t> message;  // the message's id in the file (conversations)
    std::string model;               // weights fingerprint, 32 hex digits
    size_t section = 0;              // index of its section in the file
    int64_t createdAt = 0;           // Unix ms
};

struct StateDescription {
    std::string name, note;
    StateReference state;
    std::vector<ModelRecord> models;
};

struct ConversationDescription {
    std::string title;
    ConversationSettings settings;
    std::optional<int64_t> currentMessage;  // an id of `messages`
    std::vector<MessageRecord> messages;    // ids as in the file; parents come first
    std::vector<StateReference> states;
    std::vector<ModelRecord> models;
};

std::string describeState(const StateDescription& d);
std::string describeConversation(const ConversationDescription& d);

// Throw Error(BadFile) "FILE: the description …" naming the first problem; `sections` is the
// number of state sections the file holds.
StateDescription parseStateDescription(std::string_view json, size_t sections, const std::string& file);
ConversationDescription parseConversationDescription(std::string_view json, size_t sections, const std::string& file);

// "rwkv7-demo.pth, fingerprint 0123456789ab…" for a fingerprint of `models` (or just the fingerprint).
std::string describeWeights(const std::vector<ModelRecord>& models, const std::string& fingerprint);

} // namespace rwkv
