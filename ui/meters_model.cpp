#include "ui/meters_model.h"

#include <QPointF>

#include <algorithm>

MetersModel::MetersModel(QObject* parent) : QAbstractListModel(parent) {}

int MetersModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(m_samples.size()); }

QVariant MetersModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
    const MeterSample& s = m_samples[index.row()];
    switch (role) {
    case TimeRole: return s.timeMs;
    case MemoryRole: return s.memoryBytes;
    case PrefillRole: return s.prefillTps;
    case DecodeRole: return s.decodeTps;
    default: return {};
    }
}

QHash<int, QByteArray> MetersModel::roleNames() const
{
    return {{TimeRole, "timeMs"}, {MemoryRole, "memoryBytes"}, {PrefillRole, "prefillTps"}, {DecodeRole, "decodeTps"}};
}

void MetersModel::addSample(const MeterSample& sample)
{
    int expired = 0;
    while (expired < int(m_samples.size()) && m_samples[expired].timeMs < sample.timeMs - kWindowMs) ++expired;
    if (expired > 0) {
        beginRemoveRows({}, 0, expired - 1);
        m_samples.remove(0, expired);
        endRemoveRows();
    }
    beginInsertRows({}, int(m_samples.size()), int(m_samples.size()));
    m_samples.append(sample);
    endInsertRows();
    m_latest = sample;
    emit changed();
}

void MetersModel::setMemoryScale(const QString& label, double totalBytes)
{
    m_memoryLabel = label;
    m_memoryTotalBytes = totalBytes;
    emit changed();
}

void MetersModel::setRates(double prefillTps, double decodeTps)
{
    m_prefillTps = prefillTps;
    m_decodeTps = decodeTps;
    emit changed();
}

void MetersModel::setModelSizes(double stateBytes, double weightBytes)
{
    m_stateBytes = stateBytes;
    m_weightBytes = weightBytes;
    emit changed();
}

double MetersModel::valueOf(const MeterSample& s, const QString& series)
{
    if (series == u"memory") return s.memoryBytes;
    if (series == u"prefill") return s.prefillTps;
    if (series == u"decode") return s.decodeTps;
    return 0;
}

QVariantList MetersModel::points(const QString& series) const
{
    QVariantList out;
    if (m_samples.isEmpty()) return out;
    const qint64 last = m_samples.back().timeMs;
    out.reserve(m_samples.size());
    for (const MeterSample& s : m_samples) out.append(QPointF(double(s.timeMs - last) / 1000.0, valueOf(s, series)));
    return out;
}

double MetersModel::maximum(const QString& series) const
{
    double top = 0;
    for (const MeterSample& s : m_samples) top = std::max(top, valueOf(s, series));
    return top;
}
