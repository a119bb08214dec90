// The local API server switch of AppController: the setting, and the URL the worker reports.
#include "app/app_controller.h"

void AppController::connectApiServer()
{
    connect(m_worker.get(), &InferenceWorker::apiServerChanged, this, [this](const QString& url) {
        m_apiServerUrl = url;
        emit apiServerChanged();
    });
}

void AppController::setApiServer(bool enabled, int port)
{
    if (port < 1024 || port > 65535) {
        setError(tr("The API server's port must be between 1024 and 65535."));
        return;
    }
    m_settings.setApiServer(enabled, port);
    emit apiServerChanged();
    post(Job::Other, [port = enabled ? port : 0](InferenceWorker& w) { w.setApiServer(port); });
}
