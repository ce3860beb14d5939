// Reading input frames and writing output frames (docs/spec.md §4).
//
// The checks of §4.5 are made in frame order: a word's value is checked first,
// then where TLAST falls (SHORT_FRAME before the frame's last word, LONG_FRAME
// when the last word lacks it). After an error the kernel discards input up to
// and including the next TLAST so the DMA never stalls.
#ifndef NPQ_FRAME_H
#define NPQ_FRAME_H

#include <stdint.h>
#include "npq_axis.h"
#include "npq_constants.h"

// One input word; `last` receives its TLAST.
static inline uint32_t npq_read(hls::stream<axis32_t>& in, bool& last) {
    const axis32_t w = in.read();
    last = w.last != 0;
    return (uint32_t)w.data;
}

// Status of a word after its value checks gave `value_status`; `final` says
// whether the frame must end on this word.
static inline uint32_t npq_word_status(uint32_t value_status, bool last, bool final) {
    if (value_status != NPQ_STATUS_OK) return value_status;
    if (last && !final) return NPQ_STATUS_SHORT_FRAME;
    if (!last && final) return NPQ_STATUS_LONG_FRAME;
    return NPQ_STATUS_OK;
}

// The same, for a word whose value check is `bad` with error `code`.
static inline uint32_t npq_check(bool bad, uint32_t code, bool last, bool final) {
    return npq_word_status(bad ? code : NPQ_STATUS_OK, last, final);
}

// Drop the rest of a failed frame unless the word just read carried TLAST.
static inline void npq_discard_rest(hls::stream<axis32_t>& in, bool last) {
discard:
    while (!last) {
#pragma HLS PIPELINE II = 1
        // One word per cycle: the DMA streams the rest of the frame at full rate.
        last = in.read().last != 0;
    }
}

static inline void npq_write(hls::stream<axis32_t>& out, uint32_t value, bool last) {
    axis32_t w;
    w.data = value;
    w.last = last ? 1 : 0;
#ifndef NPQ_HLS_STREAM_SHIM
    w.keep = -1;  // all four bytes valid
    w.strb = -1;
#endif
    out.write(w);
}

// Output head: magic, status, L; TLAST on the length word when L = 0.
static inline void npq_write_head(hls::stream<axis32_t>& out, uint32_t status, uint32_t length) {
    npq_write(out, NPQ_MAGIC_OUT, false);
    npq_write(out, status, false);
    npq_write(out, length, length == 0);
}

// Common head (§4.1): magic, version, opcode. Returns the status so far and the
// opcode; an INFO frame must end on its opcode word. RUN_SPARSE is bm's only.
static inline uint32_t npq_read_head(hls::stream<axis32_t>& in, bool& last, uint32_t magic,
                                     uint32_t& op) {
    const uint32_t w0 = npq_read(in, last);
    uint32_t st = npq_word_status(w0 == magic ? NPQ_STATUS_OK : NPQ_STATUS_BAD_MAGIC, last, false);
    if (st != NPQ_STATUS_OK) return st;
    const uint32_t w1 = npq_read(in, last);
    st = npq_word_status(w1 == NPQ_SPEC_VERSION ? NPQ_STATUS_OK : NPQ_STATUS_BAD_VERSION, last, false);
    if (st != NPQ_STATUS_OK) return st;
    op = npq_read(in, last);
    const bool known = op == NPQ_OP_RUN || op == NPQ_OP_INFO || (magic == NPQ_MAGIC_BM && op == NPQ_OP_RUN_SPARSE);
    return npq_word_status(known ? NPQ_STATUS_OK : NPQ_STATUS_BAD_OPCODE, last, op == NPQ_OP_INFO);
}

// The two 32-bit words of a 64-bit count, low first.
static inline void npq_write_u64(hls::stream<axis32_t>& out, uint64_t value, bool last) {
    npq_write(out, (uint32_t)value, false);
    npq_write(out, (uint32_t)(value >> 32), last);
}

#endif
