#pragma once
// Software prefetch of the next weight block of a prefill GEMM, spread over the tiles of the
// current one: the block is fetched from DRAM while this one is computed, instead of stalling
// the first pass over it (profiled on the 0.1B model with the fp32 tiles: widening fell from
// ~15% to ~11% of tile time). Plain code, shared by every SIMD target's GEMM.
#include <cstddef>

#include <hwy/cache_control.h>

namespace rwkv::cpu {

class BlockPrefetcher {
public:
    // The block: `rows` rows of segmentBytes each, rowStride apart; spread over `calls` steps.
    void reset(const char* first, size_t rowStride, size_t segmentBytes, size_t rows, size_t calls)
    {
        m_row = first;
        m_rowStride = rowStride;
        m_segment = segmentBytes;
        m_rowsLeft = rows;
        m_offset = 0;
        const size_t lines = rows * ((segmentBytes + 63) / 64);
        m_perCall = calls == 0 ? lines : (lines + calls - 1) / calls;
    }
    void step()
    {
        for (size_t i = 0; i < m_perCall && m_rowsLeft > 0; ++i) {
            hwy::Prefetch(m_row + m_offset);
            m_offset += 64;
            if (m_offset >= m_segment) {
                m_offset = 0;
                m_row += m_rowStride;
                --m_rowsLeft;
            }
        }
    }

private:
    const char* m_row = nullptr;
    size_t m_rowStride = 0, m_segment = 0, m_rowsLeft = 0, m_offset = 0, m_perCall = 0;
};

} // namespace rwkv::cpu
