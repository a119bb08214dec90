#pragma once
// Which recorded commands need a memory barrier before them. Commands between two barriers
// may run concurrently on a GPU, so a barrier is needed exactly when a command reads memory
// written since the last barrier (read after write) or writes memory read or written since
// then (write after read/write). Independent kernels (the six token-shift lerps, the r/k/v
// projections) then share one barrier instead of draining the GPU between each.
#include <cstdint>
#include <vector>

namespace rwkv::vulkan {

// A byte range [begin, end) of device addresses.
struct AddressRange {
    uint64_t begin = 0, end = 0;
    bool overlaps(const AddressRange& o) const { return begin < o.end && o.begin < end; }
};

class HazardTracker {
public:
    // True when a command with these accesses must wait for the commands recorded since the
    // last barrier; then the caller records one and this tracker forgets those commands.
    // Either way the command's accesses are remembered.
    bool needsBarrier(const std::vector<AddressRange>& reads, const std::vector<AddressRange>& writes)
    {
        const bool hazard = any(reads, m_writes) || any(writes, m_writes) || any(writes, m_reads);
        if (hazard) clear();
        m_reads.insert(m_reads.end(), reads.begin(), reads.end());
        m_writes.insert(m_writes.end(), writes.begin(), writes.end());
        return hazard;
    }

    // A barrier was recorded (or the work was submitted): nothing is pending.
    void clear()
    {
        m_reads.clear();
        m_writes.clear();
    }

private:
    static bool any(const std::vector<AddressRange>& a, const std::vector<AddressRange>& b)
    {
        for (const AddressRange& x : a)
            for (const AddressRange& y : b)
                if (x.overlaps(y)) return true;
        return false;
    }

    std::vector<AddressRange> m_reads, m_writes;
};

} // namespace rwkv::vulkan
