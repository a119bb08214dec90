#pragma once
// `rwkv-cli serve --port 0 ...` as a user runs it, for the server tests: started, its URL read
// from its first line, its stderr (a line per completion) kept, stopped with SIGTERM.
#include <QByteArray>
#include <QProcess>
#include <QString>
#include <QStringList>

namespace rwkv::test {

// build/bin/rwkv-cli.
QString cliPath();

class ServeProcess {
public:
    // Starts the server and waits (up to 2 minutes) until it serves.
    explicit ServeProcess(const QStringList& extra);
    // SIGTERM, then SIGKILL after 30 s.
    ~ServeProcess();
    ServeProcess(const ServeProcess&) = delete;
    ServeProcess& operator=(const ServeProcess&) = delete;

    bool ok() const { return !m_baseUrl.isEmpty(); }
    // "http://127.0.0.1:PORT/v1" and its port.
    const QString& baseUrl() const { return m_baseUrl; }
    int port() const { return m_port; }
    // Why it did not start: what it wrote.
    const QByteArray& error() const { return m_error; }
    // Everything the server wrote on stderr so far (a line per completion).
    const QByteArray& log();
    // Exit code after SIGTERM (0 = a clean shutdown, -1 = a crash).
    int stop();

private:
    QProcess m_process;
    QString m_baseUrl;
    int m_port = 0;
    QByteArray m_error;
    QByteArray m_log;
};

} // namespace rwkv::test
