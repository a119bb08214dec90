#include "app/chat_settings.h"

#include "core/error.h"
#include "core/sampling_json.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>

namespace {

const QString kTemperature = QStringLiteral("temperature");
const QString kTopP = QStringLiteral("topP");
const QString kTopK = QStringLiteral("topK");
const QString kPresence = QStringLiteral("presencePenalty");
const QString kFrequency = QStringLiteral("frequencyPenalty");
const QString kDecay = QStringLiteral("penaltyDecay");
const QString kMaxTokens = QStringLiteral("maxTokens");
const QString kSystemPrompt = QStringLiteral("systemPrompt");
const QString kAlternatives = QStringLiteral("alternatives");

constexpr int kDefaultMaxTokens = 500;
constexpr int kMaxReplyTokens = 8192;

rwkv::SamplingParams chatSamplingDefaults()
{
    rwkv::SamplingParams p;
    p.topP = 0.3f;
    p.presencePenalty = 0.5f;
    p.frequencyPenalty = 0.5f;
    p.bannedTokens = {0};
    return p;
}

rwkv::SamplingParams samplingOf(const QVariantMap& s)
{
    rwkv::SamplingParams p = chatSamplingDefaults();
    p.temperature = s.value(kTemperature).toFloat();
    p.topP = s.value(kTopP).toFloat();
    p.topK = s.value(kTopK).toInt();
    p.presencePenalty = s.value(kPresence).toFloat();
    p.frequencyPenalty = s.value(kFrequency).toFloat();
    p.penaltyDecay = s.value(kDecay).toFloat();
    return p;
}

} // namespace

QVariantMap defaultChatSettings()
{
    const rwkv::SamplingParams p = chatSamplingDefaults();
    return {{kTemperature, double(p.temperature)},   {kTopP, double(p.topP)},
            {kTopK, p.topK},                         {kPresence, double(p.presencePenalty)},
            {kFrequency, double(p.frequencyPenalty)}, {kDecay, double(p.penaltyDecay)},
            {kMaxTokens, kDefaultMaxTokens},         {kSystemPrompt, QString()},
            {kAlternatives, 1}};
}

QVariantMap normalizedChatSettings(const QVariantMap& settings)
{
    QVariantMap out = defaultChatSettings();
    for (auto it = settings.begin(); it != settings.end(); ++it)
        if (out.contains(it.key())) out[it.key()] = it.value();
    const auto clamp = [&](const QString& key, double low, double high) {
        out[key] = std::clamp(out.value(key).toDouble(), low, high);
    };
    clamp(kTemperature, 0.0, 5.0);
    clamp(kTopP, 0.0, 1.0);
    clamp(kPresence, -5.0, 5.0);
    clamp(kFrequency, -5.0, 5.0);
    clamp(kDecay, 0.0, 1.0);
    out[kTopK] = std::clamp(out.value(kTopK).toInt(), 0, 65536);
    out[kMaxTokens] = std::clamp(out.value(kMaxTokens).toInt(), 1, kMaxReplyTokens);
    out[kAlternatives] = std::clamp(out.value(kAlternatives).toInt(), 1, kMaxAlternatives);
    out[kSystemPrompt] = out.value(kSystemPrompt).toString();
    return out;
}

rwkv::ConversationSettings toConversationSettings(const QVariantMap& settings)
{
    const QVariantMap s = normalizedChatSettings(settings);
    QJsonObject json = QJsonDocument::fromJson(QByteArray::fromStdString(rwkv::samplingToJson(samplingOf(s)))).object();
    json.insert(QStringLiteral("max_tokens"), s.value(kMaxTokens).toInt());
    json.insert(QStringLiteral("alternatives"), s.value(kAlternatives).toInt());
    rwkv::ConversationSettings out;
    out.systemPrompt = s.value(kSystemPrompt).toString().toStdString();
    out.samplingJson = QJsonDocument(json).toJson(QJsonDocument::Compact).toStdString();
    return out;
}

QVariantMap fromConversationSettings(const rwkv::ConversationSettings& settings)
{
    QVariantMap out = defaultChatSettings();
    rwkv::SamplingParams p = chatSamplingDefaults();
    try {
        p = rwkv::samplingFromJson(settings.samplingJson, p);
    } catch (const rwkv::Error&) {
        // Unreadable settings of an old conversation: it continues with the defaults.
    }
    out[kTemperature] = double(p.temperature);
    out[kTopP] = double(p.topP);
    out[kTopK] = p.topK;
    out[kPresence] = double(p.presencePenalty);
    out[kFrequency] = double(p.frequencyPenalty);
    out[kDecay] = double(p.penaltyDecay);
    const QJsonObject json = QJsonDocument::fromJson(QByteArray::fromStdString(settings.samplingJson)).object();
    out[kMaxTokens] = json.value(QStringLiteral("max_tokens")).toInt(kDefaultMaxTokens);
    out[kAlternatives] = json.value(QStringLiteral("alternatives")).toInt(1);
    out[kSystemPrompt] = QString::fromStdString(settings.systemPrompt);
    return normalizedChatSettings(out);
}

rwkv::GenerationOptions chatGenerationOptions(const QVariantMap& settings)
{
    const QVariantMap s = normalizedChatSettings(settings);
    rwkv::GenerationOptions o;
    o.maxTokens = s.value(kMaxTokens).toInt();
    o.sampling = samplingOf(s);
    // The official chat loop counts whitespace and digits towards the frequency penalty.
    o.exemptWhitespaceDigits = false;
    return o;
}

int chatAlternatives(const QVariantMap& settings) { return normalizedChatSettings(settings).value(kAlternatives).toInt(); }
