// The Vulkan backend's barrier placement (backends/vulkan/hazards.h): a barrier exactly
// before a command that depends on one recorded since the last barrier. A missing barrier
// would go unnoticed on lavapipe, which runs commands one after another, so the rule itself
// is tested here, without a device.
#include "backends/vulkan/hazards.h"

#include <QTest>

#include <vector>

using rwkv::vulkan::AddressRange;
using rwkv::vulkan::HazardTracker;

class TestVulkanHazards : public QObject {
    Q_OBJECT

private slots:
    void rangesOverlapOnlyWhenTheyShareBytes()
    {
        const AddressRange a{0, 16}, b{15, 20}, c{16, 32}, d{10, 20}, e{0, 100}, empty{0, 0};
        QVERIFY(a.overlaps(b));
        QVERIFY(d.overlaps(e));
        QVERIFY(!a.overlaps(c));
        QVERIFY(!c.overlaps(a));
        QVERIFY(!empty.overlaps(a));
    }

    void dependentCommandsGetABarrier()
    {
        const AddressRange x{0, 64}, y{64, 128}, z{128, 192}, w{1024, 2048}, straddle{100, 140};
        const std::vector<AddressRange> none;
        HazardTracker h;
        QVERIFY(!h.needsBarrier({x, w}, {y}));    // y = x·W
        QVERIFY(!h.needsBarrier({x, w}, {z}));    // z = x·W: independent, shares the barrier
        QVERIFY(!h.needsBarrier({x}, none));      // reading what others read is no hazard
        QVERIFY(h.needsBarrier({y}, {y}));        // reads y, written above: read after write
        QVERIFY(!h.needsBarrier({z}, none));      // z's writer finished at that barrier
        QVERIFY(h.needsBarrier(none, {z}));       // z read since the barrier: write after read
        QVERIFY(h.needsBarrier(none, {straddle})); // overlaps the pending write of z
    }

    void clearForgetsPendingWork()
    {
        const AddressRange x{0, 64};
        const std::vector<AddressRange> none;
        HazardTracker h;
        QVERIFY(!h.needsBarrier(none, {x}));
        h.clear();
        QVERIFY(!h.needsBarrier({x}, none));
    }
};

QTEST_GUILESS_MAIN(TestVulkanHazards)
#include "test_vulkan_hazards.moc"
