// The meters side of AppController: decode speed while a reply streams, a finished turn's
// statistics, and the periodic memory and speed samples of the meters panel.
#include "app/app_controller.h"
#include "core/process_memory.h"

#include <utility>

void AppController::onStreamed(const QString& text, qint64 tokens, qint64 elapsedNs)
{
    // The rate between the first and the latest piece: the first one waits for the prefill.
    if (m_streamBaseNs < 0) {
        m_streamBaseNs = elapsedNs;
        m_streamBaseTokens = tokens;
    } else if (elapsedNs > m_streamBaseNs) {
        m_liveDecodeTps = double(tokens - m_streamBaseTokens) * 1e9 / double(elapsedNs - m_streamBaseNs);
    }
    if (m_streamTarget) m_streamTarget->appendStreamedText(text);
}

void AppController::onTurnFinished(const TurnStats& s, bool chat)
{
    const double prefillTps = s.prefillNs > 0 ? double(s.promptTokens) * 1e9 / double(s.prefillNs) : 0.0;
    const double decodeTps = s.decodeNs > 0 ? double(s.decodeTokens) * 1e9 / double(s.decodeNs) : 0.0;
    m_lastTurn = {{QStringLiteral("promptTokens"), double(s.promptTokens)},
                  {QStringLiteral("prefillNs"), double(s.prefillNs)},
                  {QStringLiteral("decodeTokens"), double(s.decodeTokens)},
                  {QStringLiteral("decodeNs"), double(s.decodeNs)},
                  {QStringLiteral("restoreNs"), double(s.restoreNs)},
                  {QStringLiteral("saveNs"), double(s.saveNs)},
                  {QStringLiteral("prefillTps"), prefillTps},
                  {QStringLiteral("decodeTps"), decodeTps},
                  {QStringLiteral("cancelled"), s.cancelled}};
    if (!chat && m_streamTarget == &m_answers) {
        m_answers.finishStreaming();
        m_streamTarget = nullptr;
    }
    m_meters.setRates(prefillTps, decodeTps);
    m_pendingPrefillTps = prefillTps;
    if (decodeTps > 0) m_liveDecodeTps = decodeTps;
    sampleMeters();
    m_liveDecodeTps = 0;
    m_streamBaseNs = -1;
    emit lastTurnChanged();
    emit replyFinished();
}

void AppController::sampleMeters()
{
    MeterSample sample;
    sample.timeMs = m_clock.isValid() ? m_clock.elapsed() : 0;
    sample.memoryBytes = m_deviceMemoryBytes >= 0 ? double(m_deviceMemoryBytes) : double(rwkv::processResidentBytes());
    sample.prefillTps = std::exchange(m_pendingPrefillTps, 0.0);
    sample.decodeTps = generating() ? m_liveDecodeTps : 0.0;
    m_meters.addSample(sample);
}
