// The fields of bm_sampler's input frames, in one type for both layouts: RUN
// (spec §4.3: ... C, BIAS, W, ORDER, CEND, CMASK ...) and RUN_SPARSE (§4.3.1:
// ... C, D, ORDER, CEND, BIAS, LIST, CMASK ...). bm_frame_check steps through them;
// the front ends store what each field carries.
package bm_frame_pkg;

  typedef enum logic [4:0] {
    F_MAGIC, F_VERSION, F_OPCODE, F_N, F_C, F_D, F_BIAS, F_W, F_ORDER, F_CEND, F_LIST,
    F_CMASK, F_CVAL, F_SWEEPS, F_BURN, F_THIN, F_TAU, F_SEED, F_INIT
  } field_e;

endpackage
