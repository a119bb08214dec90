#pragma once
// The base of the Qt Test programs that run on one GPU device kind (support/gpu_device.h):
// opens the kind's first available device, or skips (fails where it is required), and
// shows the shared bodies' data rows (support/check.h) as Qt data rows.
#include "support/check.h"
#include "support/gpu_device.h"

#include <QObject>
#include <QTest>

#include <memory>

namespace rwkv::test {

// A data-driven test's rows as Qt data rows (a column "row": the index).
template <class P>
void addRows(const std::vector<Row<P>>& rows)
{
    QTest::addColumn<int>("row");
    for (size_t i = 0; i < rows.size(); ++i) QTest::newRow(rows[i].name.c_str()) << int(i);
}

template <class P>
const P& fetchRow(const std::vector<Row<P>>& rows)
{
    QFETCH(int, row);
    return rows[size_t(row)].params;
}

class GpuTest : public QObject {
    Q_OBJECT

protected:
    explicit GpuTest(GpuKind kind) : m_kind(kind) {}
    // Called once the device is open, to set up what runs on it.
    virtual void opened() {}

    const GpuKind m_kind;
    std::unique_ptr<Device> m_gpu; // the first available device of the kind

private slots:
    void initTestCase();
};

} // namespace rwkv::test
