// bm_fire_count (npq_threshold.h, the bucket search) against its definition
// m = #{i : SIGMOID[i] <= x}, by a binary search of the table, for every 24-bit x.
// Prints the number of x checked and of mismatches (the first few listed); exit 1 on any.
#include <algorithm>
#include <cstdio>
#include "npq_threshold.h"

int main() {
    const uint32_t* end = NPQ_SIGMOID_LUT + NPQ_SIGMOID_LUT_SIZE;
    uint32_t bad = 0, checked = 0;
    for (uint32_t x = 0; x < (1u << 24); ++x, ++checked) {
        const uint32_t want = (uint32_t)(std::upper_bound(NPQ_SIGMOID_LUT, end, x) - NPQ_SIGMOID_LUT);
        const uint32_t got = bm_fire_count(x);
        if (got != want && bad++ < 10) std::printf("x %u: got %u, expected %u\n", x, got, want);
    }
    std::printf("checked %u mismatches %u\n", checked, bad);
    return bad ? 1 : 0;
}
