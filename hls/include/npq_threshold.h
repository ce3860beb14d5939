// The threshold search of the bm spike rule (docs/spec.md §3.2), as the twin's
// hw/rtl/bm_threshold_search.sv does it: m = #{i : SIGMOID[i] <= x} for a 24-bit x.
#ifndef NPQ_THRESHOLD_H
#define NPQ_THRESHOLD_H

#include <stdint.h>
#include "npq_constants.h"
#include "npq_luts.h"

// x falls in a bucket, its code as a small floating-point number (y = x below 2^23,
// y = 2^24 - 1 - x above): an exponent field (0 below 2^E0, else e - E0 + 1 for y's
// leading one at bit e) and the MANT bits after the leading one. No bucket holds more
// than one SIGMOID entry, so with NPQ_M0_LUT (neuropynq.luts) giving m0 - 512 h of the
// bucket's least x, m is that address plus one compare: one M0 read, one SIGMOID read.
static inline uint32_t bm_fire_count(uint32_t x) {
    const uint32_t h = x >> 23;
    const uint32_t y = (x ^ (0u - h)) & 0x7FFFFFu;
    const uint32_t field = y >> NPQ_BUCKET_E0 ? (31u - (uint32_t)__builtin_clz(y)) - (NPQ_BUCKET_E0 - 1) : 0;
    const uint32_t shift = field ? field + NPQ_BUCKET_E0 - 1 - NPQ_BUCKET_MANT : NPQ_BUCKET_E0 - NPQ_BUCKET_MANT;
    const uint32_t code = field << NPQ_BUCKET_MANT | ((y >> shift) & ((1u << NPQ_BUCKET_MANT) - 1));
    const uint32_t key = h ? NPQ_BUCKET_KEYS - 1 - code : code;   // grows with x
    const uint32_t a = h * (NPQ_SIGMOID_LUT_SIZE / 2) + NPQ_M0_LUT[key];   // m0's SIGMOID address
    return a + (NPQ_SIGMOID_LUT[a] <= x ? 1 : 0);
}

#endif
