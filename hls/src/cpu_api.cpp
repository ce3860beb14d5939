// C ABI of the native `cpu` backend: one input frame in, one output frame out,
// through the same kernel top functions the FPGA build synthesises.
#include <stddef.h>
#include <stdint.h>

#include "npq_config.h"
#include "npq_constants.h"
#include "npq_kernels.h"

// The output of the last run, kept until npq_take copies it out. One loaded copy of
// this library runs one frame at a time (the kernels' on-chip arrays are statics): the
// caller holds a lock across npq_run and npq_take, and runs frames in parallel on
// copies loaded from distinct files (host/neuropynq/backends/cpu.py).
static hls::stream<axis32_t> npq_output;

extern "C" {

enum {
    NPQ_RUN_OK = 0,
    NPQ_RUN_NO_TLAST = 1,   // the kernel needed more words than the input has (no TLAST)
};

// Runs the frame `in` (n_in words; `last` their TLAST flags, or NULL for TLAST on the
// final word only) through the kernel its magic word names (bn_sampler answers any
// other magic with BAD_MAGIC). Sets *n_out to the output frame's length and *status
// to the STATUS register; the frame waits for npq_take.
int npq_run(const uint32_t* in, const uint8_t* last, size_t n_in, size_t* n_out, uint32_t* status) {
    hls::stream<axis32_t> in_stream;
    while (!npq_output.empty()) npq_output.read();
    for (size_t i = 0; i < n_in; ++i) {
        axis32_t w;
        w.data = in[i];
        w.last = last ? (last[i] != 0) : (i + 1 == n_in);
        in_stream.write(w);
    }
    *n_out = 0;
    try {
        if (n_in > 0 && in[0] == NPQ_MAGIC_BM)
            bm_sampler(in_stream, npq_output, status);
        else
            bn_sampler(in_stream, npq_output, status);
    } catch (const hls::stream_underflow&) {
        while (!npq_output.empty()) npq_output.read();
        return NPQ_RUN_NO_TLAST;
    }
    *n_out = npq_output.size();
    return NPQ_RUN_OK;
}

// Copies the first n words of the pending output frame to `out`.
void npq_take(uint32_t* out, size_t n) {
    for (size_t i = 0; i < n && !npq_output.empty(); ++i) out[i] = (uint32_t)npq_output.read().data;
}

}  // extern "C"
