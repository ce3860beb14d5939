// The two kernel top functions (docs/spec.md §4, §5).
#ifndef NPQ_KERNELS_H
#define NPQ_KERNELS_H

#include <stdint.h>
#include "npq_axis.h"

void bn_sampler(hls::stream<axis32_t>& in, hls::stream<axis32_t>& out, uint32_t* status);
void bm_sampler(hls::stream<axis32_t>& in, hls::stream<axis32_t>& out, uint32_t* status);

#endif
