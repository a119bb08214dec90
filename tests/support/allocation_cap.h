#pragma once
// Caps single heap allocations (operator new) while alive: one larger than the cap throws
// std::bad_alloc and is counted instead of being made. A hostile-file test under a cap fails
// at once, without touching gigabytes, when a reader trusts a size the file declares, and can
// assert that nothing was refused. Linking this file replaces the global operator new of the
// test program it is used in. Process-wide; one cap at a time.
#include <cstddef>

namespace rwkv::test {

class AllocationCap {
public:
    explicit AllocationCap(size_t maxBytes);
    ~AllocationCap();
    AllocationCap(const AllocationCap&) = delete;
    AllocationCap& operator=(const AllocationCap&) = delete;

    // Allocations refused since this cap was set.
    size_t refused() const;
};

} // namespace rwkv::test
