#include "support/serve_process.h"

#include "support/test_support.h"

#include <QDeadlineTimer>
#include <QRegularExpression>

namespace rwkv::test {

QString cliPath() { return QString::fromStdString((binDir() / "rwkv-cli").string()); }

ServeProcess::ServeProcess(const QStringList& extra)
{
    m_process.start(cliPath(), QStringList{"serve", "--port", "0"} + extra);
    const QRegularExpression url("http://[^ ]+:(\\d+)/v1");
    QByteArray out;
    // The first line names the URL once the model is loaded and the port bound.
    for (QDeadlineTimer deadline(120000); !deadline.hasExpired();) {
        m_process.waitForReadyRead(500);
        out += m_process.readAllStandardOutput();
        const auto match = url.match(QString::fromUtf8(out));
        if (match.hasMatch()) {
            m_port = match.captured(1).toInt();
            m_baseUrl = "http://127.0.0.1:" + match.captured(1) + "/v1";
            return;
        }
        if (m_process.state() == QProcess::NotRunning) break;
    }
    m_error = out + m_process.readAllStandardError();
}

ServeProcess::~ServeProcess()
{
    m_process.terminate();
    if (!m_process.waitForFinished(30000)) m_process.kill();
}

const QByteArray& ServeProcess::log()
{
    m_log += m_process.readAllStandardError();
    return m_log;
}

int ServeProcess::stop()
{
    m_process.terminate();
    m_process.waitForFinished(30000);
    return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -1;
}

} // namespace rwkv::test
