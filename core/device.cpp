#include "core/device.h"

#include <cassert>

namespace rwkv {

DTensor DTensor::rowRange(int64_t first, int64_t count) const
{
    assert(first >= 0 && first + count <= rows && !isQuantized(dtype));
    DTensor t = *this;
    t.data = static_cast<char*>(data) + size_t(first * cols) * dtypeSize(dtype);
    t.rows = count;
    return t;
}

} // namespace rwkv
