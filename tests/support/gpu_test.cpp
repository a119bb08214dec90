#include "support/gpu_test.h"

#include "backends/registry.h"

#include <QTest>

#include <cstdlib>
#include <string>

namespace rwkv::test {

namespace {

// The first available prefix:N device, or null with the registry's reasons in `why`.
std::unique_ptr<Device> openFirst(const std::string& prefix, std::string& why)
{
    for (const DeviceInfo& d : listDevices()) {
        if (d.id.rfind(prefix + ":", 0) != 0) continue;
        if (d.available) return createDevice(d.id);
        why += (why.empty() ? "" : "; ") + d.id + ": " + d.description;
    }
    if (why.empty()) why = "the registry lists no " + prefix + " device";
    return nullptr;
}

bool required(const char* variable)
{
    const char* v = std::getenv(variable);
    return v && *v && std::string(v) != "0";
}

} // namespace

void GpuTest::initTestCase()
{
    std::string why;
    m_gpu = openFirst(m_kind.prefix, why);
    if (!m_gpu && required(m_kind.requireVariable))
        QFAIL(qPrintable(QStringLiteral("%1 is set but there is no %2 device: %3")
                             .arg(m_kind.requireVariable, m_kind.label, QString::fromStdString(why))));
    if (!m_gpu) QSKIP(qPrintable(QStringLiteral("no %1 device: %2").arg(m_kind.label, QString::fromStdString(why))));
    qInfo("device: %s", m_gpu->name().c_str());
}

} // namespace rwkv::test
