#include "support/qt_device_kernel_tests.h"

namespace rwkv::test {

void QtDeviceKernelTests::cleanupTestCase()
{
    if (m_tests) qInfo("largest NMSE: %.1e of its tolerance", m_tests->worstRatio());
}

} // namespace rwkv::test
