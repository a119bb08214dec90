#pragma once
// The settings' storage line (issue 20): the database's size and what its states take, and
// "Free space", which prunes the conversation states that can be rebuilt (replayed when
// needed, core/store/state_retention.h) and gives the space back. The work runs on the
// inference worker; failures reach the app's error banner like any job's.
#include <QObject>
#include <QVariantMap>

#include <functional>

class InferenceWorker;

class StoreUpkeep : public QObject {
    Q_OBJECT
    // fileBytes, replyStates, replyStateBytes, namedStates, namedStateBytes, documents,
    // documentStateBytes; empty until refresh() has run.
    Q_PROPERTY(QVariantMap use READ use NOTIFY useChanged)
    // What the last "Free space" deleted: states and bytes; empty before it.
    Q_PROPERTY(QVariantMap freed READ freed NOTIFY useChanged)

public:
    using PostJob = std::function<void(std::function<void(InferenceWorker&)>)>;
    StoreUpkeep(InferenceWorker& worker, PostJob post, QObject* parent = nullptr);

    QVariantMap use() const { return m_use; }
    QVariantMap freed() const { return m_freed; }
    Q_INVOKABLE void refresh();
    Q_INVOKABLE void freeSpace();

signals:
    void useChanged();

private:
    PostJob m_post;
    QVariantMap m_use, m_freed;
};
