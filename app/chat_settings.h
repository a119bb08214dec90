#pragma once
// Per-conversation chat settings as the UI edits them, a QVariantMap with the keys
//   temperature, topP, topK, presencePenalty, frequencyPenalty, penaltyDecay (SamplingParams),
//   maxTokens (reply limit in tokens), systemPrompt (fed once when a conversation starts),
//   alternatives (replies "Regenerate" makes at once, decoded together),
// and their stored form (ConversationSettings: sampling JSON with extra "max_tokens" and
// "alternatives").
#include "core/generator.h"
#include "core/store/conversation_store.h"

#include <QVariantMap>

// The official chat loop's defaults (rwkv-spec §7.3): temperature 1, top-p 0.3, penalties
// 0.5 with decay 0.996, token 0 banned so a reply never ends the text; 500 tokens at most.
QVariantMap defaultChatSettings();
// `settings` with every key present and every value in range (missing keys from defaults).
QVariantMap normalizedChatSettings(const QVariantMap& settings);

rwkv::ConversationSettings toConversationSettings(const QVariantMap& settings);
// Missing or unreadable values fall back to the defaults.
QVariantMap fromConversationSettings(const rwkv::ConversationSettings& settings);

// The most replies one "Regenerate" makes at once.
inline constexpr int kMaxAlternatives = 8;
// How many replies "Regenerate" makes at once: 1…kMaxAlternatives.
int chatAlternatives(const QVariantMap& settings);

// Generation options for a chat turn or a document answer (the turn end is added by the core).
rwkv::GenerationOptions chatGenerationOptions(const QVariantMap& settings);
