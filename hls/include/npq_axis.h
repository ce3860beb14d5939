// The 32-bit AXI4-Stream word of both kernels (docs/spec.md §4): TDATA and TLAST.
#ifndef NPQ_AXIS_H
#define NPQ_AXIS_H

#include <stdint.h>
#include <hls_stream.h>

#ifdef NPQ_HLS_STREAM_SHIM
// Native build: the same member names as Vitis's hls::axis, nothing else.
struct axis32_t {
    uint32_t data;
    uint32_t last;
};
#else
#include <ap_axi_sdata.h>
typedef hls::axis<ap_uint<32>, 0, 0, 0> axis32_t;
#endif

#endif
