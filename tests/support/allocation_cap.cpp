#include "support/allocation_cap.h"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {

std::atomic<size_t> g_cap{0}; // 0: no cap
std::atomic<size_t> g_refused{0};

} // namespace

// Every form but the over-aligned ones (which no reader under test uses) is replaced: libstdc++'s
// array and nothrow forms would call the plain two, but ASan replaces them all with its own, whose
// blocks our free() must not receive (the sanitizer build, docs/fuzzing.md).
void* operator new(size_t size)
{
    const size_t cap = g_cap.load(std::memory_order_relaxed);
    if (cap != 0 && size > cap) {
        g_refused.fetch_add(1, std::memory_order_relaxed);
        throw std::bad_alloc();
    }
    if (void* p = std::malloc(size ? size : 1)) return p;
    throw std::bad_alloc();
}

void* operator new[](size_t size) { return operator new(size); }

void* operator new(size_t size, const std::nothrow_t&) noexcept
{
    try {
        return operator new(size);
    } catch (const std::bad_alloc&) {
        return nullptr;
    }
}

void* operator new[](size_t size, const std::nothrow_t& tag) noexcept { return operator new(size, tag); }

void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace rwkv::test {

AllocationCap::AllocationCap(size_t maxBytes)
{
    g_refused.store(0);
    g_cap.store(maxBytes);
}

AllocationCap::~AllocationCap() { g_cap.store(0); }

size_t AllocationCap::refused() const { return g_refused.load(); }

} // namespace rwkv::test
