#pragma once
// Rows for the UI's list models, read from the store (worker thread).
#include "core/store/store.h"
#include "ui/conversation_list_model.h"
#include "ui/document_list_model.h"
#include "ui/message_list_model.h"

#include <cstdint>

// Every conversation, newest change first.
QList<ConversationRow> conversationRows(rwkv::Store& store);
// Every document read, newest first.
QList<DocumentRow> documentRows(rwkv::Store& store);
// The path from the root to `messageId` without the root, each message with its siblings.
QList<MessageRow> branchRows(rwkv::Store& store, int64_t messageId);
// Where a conversation continues after choosing `messageId`: its newest descendant
// that is a reply (or the message itself when it is one and has no reply after it).
int64_t newestReplyUnder(rwkv::Store& store, int64_t messageId);
