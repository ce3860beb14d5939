// C ABI of the native `cpu` backend: one input frame in, one output frame out,
// through the same kernel top functions the FPGA build synthesises.
#include <stddef.h>
#include <stdint.h>

#include "npq_config.h"
#include "npq_constants.h"
#include "npq_kernels.h"

extern "C" {

enum {
    NPQ_RUN_OK = 0,
    NPQ_RUN_OUT_OF_SPACE = 1,   // the output frame is larger than out_capacity; *n_out says how large
    NPQ_RUN_NO_TLAST = 2,       // the kernel needed more words than the input has (no TLAST)
};

int npq_lanes(void) { return NPQ_LANES; }

// Runs the frame `in` (n_in words; `last` their TLAST flags, or NULL for TLAST on the
// final word only) through the kernel its magic word names (bn_sampler answers any
// other magic with BAD_MAGIC). Writes the output frame to `out`, its length to
// *n_out and the STATUS register to *status.
int npq_run(const uint32_t* in, const uint8_t* last, size_t n_in, uint32_t* out, size_t out_capacity,
            size_t* n_out, uint32_t* status) {
    hls::stream<axis32_t> in_stream, out_stream;
    for (size_t i = 0; i < n_in; ++i) {
        axis32_t w;
        w.data = in[i];
        w.last = last ? (last[i] != 0) : (i + 1 == n_in);
        in_stream.write(w);
    }
    try {
        if (n_in > 0 && in[0] == NPQ_MAGIC_BM)
            bm_sampler(in_stream, out_stream, status);
        else
            bn_sampler(in_stream, out_stream, status);
    } catch (const hls::stream_underflow&) {
        *n_out = 0;
        return NPQ_RUN_NO_TLAST;
    }
    *n_out = out_stream.size();
    if (*n_out > out_capacity) return NPQ_RUN_OUT_OF_SPACE;
    for (size_t i = 0; i < *n_out; ++i) out[i] = (uint32_t)out_stream.read().data;
    return NPQ_RUN_OK;
}

}  // extern "C"
