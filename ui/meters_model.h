#pragma once
// The meters of the selected strategy: the latest numbers (bytes, tokens per second) and the
// samples of the last minute for the plot. Numbers only; QML formats them.
#include <QAbstractListModel>
#include <QList>
#include <QString>
#include <QVariantList>

struct MeterSample {
    qint64 timeMs = 0;       // monotonic ms
    double memoryBytes = 0;  // device memory used (process RAM for the CPU)
    double prefillTps = 0;   // prompt tokens per second of a turn that ended since the last sample
    double decodeTps = 0;    // generated tokens per second while a reply streams, else 0

    bool operator==(const MeterSample&) const = default;
};

class MetersModel : public QAbstractListModel {
    Q_OBJECT
    Q_PROPERTY(double memoryBytes READ memoryBytes NOTIFY changed)
    Q_PROPERTY(double memoryTotalBytes READ memoryTotalBytes NOTIFY changed)
    Q_PROPERTY(double prefillTps READ prefillTps NOTIFY changed)
    Q_PROPERTY(double decodeTps READ decodeTps NOTIFY changed)
    Q_PROPERTY(double stateBytes READ stateBytes NOTIFY changed)
    Q_PROPERTY(double weightBytes READ weightBytes NOTIFY changed)
    Q_PROPERTY(QString memoryLabel READ memoryLabel NOTIFY changed)
    Q_PROPERTY(int windowSeconds READ windowSeconds CONSTANT)

public:
    enum Role { TimeRole = Qt::UserRole + 1, MemoryRole, PrefillRole, DecodeRole };

    explicit MetersModel(QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    double memoryBytes() const { return m_latest.memoryBytes; }
    double memoryTotalBytes() const { return m_memoryTotalBytes; }
    double prefillTps() const { return m_prefillTps; }
    double decodeTps() const { return m_decodeTps; }
    double stateBytes() const { return m_stateBytes; }
    double weightBytes() const { return m_weightBytes; }
    QString memoryLabel() const { return m_memoryLabel; }
    int windowSeconds() const { return int(kWindowMs / 1000); }

    // Adds a sample and drops those older than the window before it.
    void addSample(const MeterSample& sample);
    // What the memory meter measures ("RAM", "VRAM") and the device's total bytes (0: unknown).
    void setMemoryScale(const QString& label, double totalBytes);
    // The speeds shown as numbers: the last turn's prefill and decode tokens per second.
    void setRates(double prefillTps, double decodeTps);
    // Sizes of the loaded model: its state and its resident weights.
    void setModelSizes(double stateBytes, double weightBytes);

    // The plot's points for one series ("memory", "prefill", "decode"): x = seconds relative to
    // the latest sample (-window..0), y = the value.
    Q_INVOKABLE QVariantList points(const QString& series) const;
    // The largest value of a series over the window (0 when empty).
    Q_INVOKABLE double maximum(const QString& series) const;

signals:
    void changed();

private:
    static constexpr qint64 kWindowMs = 60'000;
    static double valueOf(const MeterSample& s, const QString& series);

    QList<MeterSample> m_samples;
    MeterSample m_latest;
    double m_memoryTotalBytes = 0, m_stateBytes = 0, m_weightBytes = 0;
    double m_prefillTps = 0, m_decodeTps = 0;
    QString m_memoryLabel = QStringLiteral("RAM");
};
