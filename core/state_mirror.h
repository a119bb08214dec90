#pragma once
// The link between a State and the device copy a Model advanced it in (see Model::forward).
// While attached to its model, the device holds the true floats of `ranges` (the layers of the
// stages without host memory); the State's own floats outside them stay current. flush()
// copies the device floats to the host so the model can reuse or free its device buffers.
// Both run under the model's state lock, shared with the mirror so that a State read on one
// thread waits for a forward() of the same model on another (the device is not reentrant).
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

namespace rwkv {

class StateMirror {
public:
    struct Range {
        size_t offset = 0, count = 0; // in floats of the State's layout
    };
    // Writes the device floats of every range into a buffer with the State's full layout.
    using Fetch = std::function<void(float* state)>;

    StateMirror(std::vector<Range> ranges, Fetch fetch, std::shared_ptr<std::recursive_mutex> lock)
        : m_ranges(std::move(ranges)), m_fetch(std::move(fetch)), m_lock(std::move(lock))
    {
    }

    // Writes the mirrored floats into `state` (the State's full layout), from the device while
    // attached, else from the flushed copy.
    void readInto(std::span<float> state) const;
    bool usesLock(const std::recursive_mutex* lock) const { return m_lock.get() == lock; }
    // Copies the device floats to the host and forgets the device (if the copy throws, the
    // floats are unspecified).
    void flush();

private:
    std::vector<Range> m_ranges;
    Fetch m_fetch;
    std::vector<float> m_host; // after flush(): the State's layout, valid in m_ranges
    std::shared_ptr<std::recursive_mutex> m_lock;
};

} // namespace rwkv
