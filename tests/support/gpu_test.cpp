#include "support/gpu_test.h"

#include <QTest>

#include <string>

namespace rwkv::test {

void GpuTest::initTestCase()
{
    std::string why;
    m_gpu = openFirstDevice(m_kind, why);
    if (!m_gpu && deviceRequired(m_kind))
        QFAIL(qPrintable(QStringLiteral("%1 is set but there is no %2 device: %3")
                             .arg(m_kind.requireVariable, m_kind.label, QString::fromStdString(why))));
    if (!m_gpu) QSKIP(qPrintable(QStringLiteral("no %1 device: %2").arg(m_kind.label, QString::fromStdString(why))));
    qInfo("device: %s", m_gpu->name().c_str());
    opened();
}

} // namespace rwkv::test
