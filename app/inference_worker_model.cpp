// The model half of InferenceWorker: loading a model in place of the current one, and keeping
// the current one when the new one cannot load.
#include "app/inference_worker.h"
#include "backends/automatic_strategy.h"
#include "core/error.h"
#include "core/model_config.h"
#include "core/strategy.h"
#include "core/tokenizer/tokenizer_factory.h"

#include <chrono>

void InferenceWorker::loadModel(const QString& path, const QString& strategyText, int threads, std::stop_token cancel)
{
    guarded(QStringLiteral("loading the model"), [&] {
        try {
            replaceModel(path, strategyText, threads, cancel);
        } catch (...) {
            if (m_model) emit modelKept();  // before failed(), so the error can say which model runs
            throw;
        }
    });
    startApiServer();
}

void InferenceWorker::replaceModel(const QString& path, const QString& strategyText, int threads, std::stop_token cancel)
{
    const auto t0 = std::chrono::steady_clock::now();
    emit modelLoadProgress(0);
    double reported = 0;
    const auto checkCancel = [&] {
        if (cancel.stop_requested()) throw rwkv::Error(rwkv::ErrorCode::Cancelled, "loading was cancelled");
    };
    const auto report = [&](double fraction) {
        checkCancel();
        if (fraction - reported < 0.01 && fraction < 1) return;
        reported = fraction;
        emit modelLoadProgress(fraction);
    };
    // What can be checked with the current model still loaded is checked first, so a wrong
    // strategy, an unavailable device or a file that is no RWKV model leaves it untouched.
    // "auto" is picked once the current model is gone, so its memory counts as free.
    const bool automatic = strategyText.trimmed() == QStringLiteral("auto");
    rwkv::Strategy strategy;
    rwkv::StrategyDevices devices;
    if (!automatic) {
        strategy = rwkv::parseStrategy(strategyText.toStdString());
        devices = rwkv::createStrategyDevices(strategy, threads);
    }
    const rwkv::Checkpoint checkpoint = rwkv::Checkpoint::open(path.toStdString(), [&](uint64_t done, uint64_t total) {
        report(0.5 * double(done) / double(std::max<uint64_t>(total, 1)));
    });
    rwkv::detectModelConfig(checkpoint);

    // Then the current model goes (two may not fit in memory together); if the new one still
    // fails (out of memory, a device error), the previous one is loaded again.
    const LoadedModel previous = m_loaded;
    unloadModel();
    try {
        QString reason;
        if (automatic) {
            const rwkv::AutomaticPick pick = rwkv::pickAutomaticStrategy(checkpoint, threads, m_strategyChoices,
                                                                             [&](const std::string&) { checkCancel(); });
            strategy = pick.strategy;
            reason = QString::fromStdString(pick.reason);
            devices = rwkv::createStrategyDevices(strategy, threads);
        }
        m_devices = std::move(devices);
        ModelInfo info = installModel(checkpoint, path, [&](double fraction) { report(0.5 + 0.5 * fraction); });
        info.strategy = QString::fromStdString(strategy.text());
        info.strategyReason = reason;
        info.loadNs = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
        m_loaded = {path, info.strategy, threads}; // the strategy picked, should it have to be loaded again
        emit modelLoadProgress(1);
        emit modelLoaded(info);
    } catch (...) {
        restoreModel(previous);
        throw;
    }
}

ModelInfo InferenceWorker::installModel(const rwkv::Checkpoint& checkpoint, const QString& path,
                                        const std::function<void(double)>& progress)
{
    m_model = rwkv::Model::load(checkpoint, m_devices.stages, [&](uint64_t done, uint64_t total) {
        if (progress) progress(double(done) / double(std::max<uint64_t>(total, 1)));
    });
    m_tokenizer = rwkv::tokenizerForVocab(m_model->config().vocab, m_vocabDir);
    m_modelPath = path.toStdString();
    if (m_tokenizer && m_store) {
        m_chat = std::make_unique<rwkv::ChatSession>(*m_store, *m_model, *m_tokenizer, m_modelPath);
        m_chat->setModelLock(&m_modelLock); // API requests get the model between its calls
        m_library = std::make_unique<rwkv::DocumentLibrary>(*m_store, *m_model, *m_tokenizer, m_modelPath);
        m_library->setModelLock(&m_modelLock);
    }
    ModelInfo info;
    info.path = path;
    info.description = QString::fromStdString(m_model->config().describe());
    info.deviceName = QString::fromStdString(m_model->placement());
    info.tokenizer = m_tokenizer ? QString::fromStdString(std::string(m_tokenizer->name())) : QString();
    info.weightBytes = qint64(m_model->weightBytes());
    info.stateBytes = m_model->config().stateBytes();
    return info;
}

void InferenceWorker::unloadModel()
{
    // The API server goes first: it borrows the model (and this thread holds no model lock here).
    stopApiServer();
    m_chat.reset();
    m_library.reset();
    m_model.reset();
    m_tokenizer.reset();
}

void InferenceWorker::restoreModel(const LoadedModel& previous)
{
    unloadModel();
    m_loaded = {};
    if (previous.path.isEmpty()) return;
    try {
        m_devices = rwkv::createStrategyDevices(rwkv::parseStrategy(previous.strategy.toStdString()), previous.threads);
        installModel(rwkv::Checkpoint::open(previous.path.toStdString()), previous.path, {});
        m_loaded = previous;
    } catch (const std::exception&) {
        // The new model's failure is the one reported; without a model the app says so.
        unloadModel();
    }
}
