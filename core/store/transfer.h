#pragma once
// Export and import of a named state or a whole conversation (its messages, every branch, and
// the states its messages keep) as one .rwkvx file (transfer_file.h, docs/transfer-format.md),
// for this or another machine. A state is imported only for the weights it was made with: it
// is decoded against the loaded model by the snapshot codec, the same check as a restore.
#include "core/checkpoint.h"
#include "core/model_config.h"
#include "core/store/store.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace rwkv {

// The loaded model that imported states must belong to.
struct TransferModel {
    ModelConfig config;
    Fingerprint weights{};
    std::filesystem::path path;  // recorded in the models table, as a chat does
};

struct ExportSummary {
    int64_t messages = 0;      // 0 for a state
    int64_t states = 0;
    int64_t stateBytes = 0;    // uncompressed
    int64_t fileBytes = 0;
};

struct ImportedState {
    int64_t snapshotId = 0;
    std::string name;
    bool replaced = false;     // a state of that name was replaced
};

struct ImportedConversation {
    int64_t conversationId = 0;
    int64_t messages = 0;
    int64_t states = 0;
    int64_t statesOfOtherWeights = 0;  // left out: `conv rebuild` recomputes them
};

// Writes the named state `name` to `file` (which must not exist). Throws
// Error(InvalidArgument) when there is no such state, Error(Database) when it is damaged.
ExportSummary exportNamedState(Store& store, const std::string& name, const std::filesystem::path& file);

// Reads a state file and stores its state under `name` (default: the name in the file). A
// state of that name is refused unless `replace`. Throws Error(BadFile/Unsupported) for a file
// that is not a valid transfer file of a state, Error(IncompatibleState) for a state of other
// weights or another shape; then nothing is written.
ImportedState importNamedState(Store& store, const std::filesystem::path& file, const TransferModel& model,
                               const std::optional<std::string>& name, bool replace);

// Writes conversation `id` with every message and every state its messages keep.
ExportSummary exportConversation(Store& store, int64_t id, const std::filesystem::path& file);

// Reads a conversation file into a new conversation, in one transaction: any failure leaves
// no row behind. States of the loaded weights are checked and kept; those of other weights are
// left out and counted, and a file whose states are all of other weights is refused with
// Error(IncompatibleState).
ImportedConversation importConversation(Store& store, const std::filesystem::path& file, const TransferModel& model);

} // namespace rwkv
