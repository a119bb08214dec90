#pragma once
// What the inference worker reports to the UI thread: plain values (numbers in tokens,
// nanoseconds and bytes; the UI formats them), copied across the thread boundary.
#include "ui/conversation_list_model.h"
#include "ui/device_list_model.h"
#include "ui/document_list_model.h"
#include "ui/message_list_model.h"
#include "ui/state_list_model.h"

#include <QList>
#include <QMetaType>
#include <QString>
#include <QVariantMap>

struct ModelInfo {
    QString path;
    QString description;     // "RWKV-7 L8 C128 H2×64 F512 V65536"
    QString strategy;        // canonical strategy text, "cpu fp32" (the one picked for "auto")
    QString strategyReason;  // why "auto" picked it; empty for a strategy the user gave
    QString deviceName;      // "cpu (AVX2, 2 threads)"
    QString tokenizer;       // "world", "neox" or empty (token ids only)
    qint64 weightBytes = 0;  // resident on the device
    qint64 stateBytes = 0;   // one state
    qint64 loadNs = 0;
};

// One finished generation (a chat turn or a document answer).
struct TurnStats {
    qint64 promptTokens = 0;
    qint64 prefillNs = 0;
    qint64 decodeTokens = 0;
    qint64 decodeNs = 0;
    qint64 restoreNs = 0;  // restoring the state it started from
    qint64 saveNs = 0;     // compressing and committing the new snapshot (chat only)
    bool cancelled = false;
};

// A conversation as shown: its branch path and what it took to get its state back.
struct ConversationView {
    qint64 id = 0;
    QString title;
    QList<MessageRow> messages;
    QVariantMap settings;     // see chat_settings.h
    qint64 restoreNs = -1;    // restoring the selected message's snapshot; -1 when not restored
    QString restoreError;     // why it could not be restored (other weights), empty when fine
};

Q_DECLARE_METATYPE(ModelInfo)
Q_DECLARE_METATYPE(TurnStats)
Q_DECLARE_METATYPE(ConversationView)

// Registers the types above for queued connections; call once before connecting.
void registerWorkerTypes();
