// Build parameters of the kernels. Each can be set with -D at compile time (the
// Vitis Tcl and the native builds do); a build may lower the spec's limits.
#ifndef NPQ_CONFIG_H
#define NPQ_CONFIG_H

#include "npq_constants.h"

// Hardware lanes: samples (bn) or dot-product partial sums (bm) handled per cycle.
#ifndef NPQ_LANES
#define NPQ_LANES 4
#endif

// Samples each bn lane advances one variable at a time. It must cover the latency
// of the row -> table -> compare chain so that no iteration waits on a parent.
#ifndef NPQ_BN_BATCH
#define NPQ_BN_BATCH 32
#endif

// bm_sampler's sparse mode: neighbour-list slots per neuron. A machine whose rows of
// W all have at most this many non-zero weights sums over neighbours only.
#ifndef NPQ_BM_DEGREE_MAX
#define NPQ_BM_DEGREE_MAX 32
#endif

// bm_sampler's sweep engine (the board table's bm_engine column; run_hls.tcl passes it):
// 0 the lane engine (row k over P lanes), 1 the field engine (hw/rtl/bm_field_core.sv:
// every field u_i in a register, a decided neuron's column added to all of them).
#ifndef NPQ_BM_ENGINE
#define NPQ_BM_ENGINE 0
#endif

// Memory binding of the largest arrays, from the board table's bn_memory and
// bm_memory columns (host/neuropynq/data/boards.txt; run_hls.tcl passes them):
// 1 binds the bn table banks / the bm weight lanes to UltraRAM (ZU+ parts only),
// 0 leaves the choice (block RAM) to the tool.
#ifndef NPQ_BN_TABLE_URAM
#define NPQ_BN_TABLE_URAM 0
#endif
#ifndef NPQ_BM_W_URAM
#define NPQ_BM_W_URAM 0
#endif

// 1 in the native cpu build: bn_sampler takes any model the spec's frame fields
// describe (INFO reports NPQ_BN_UNBOUNDED), allocated per frame; the NPQ_BN_* sizes
// below then size only the micro-architecture's arrays, which run the models they hold.
#ifndef NPQ_BN_DYNAMIC
#define NPQ_BN_DYNAMIC 0
#endif

// bn sizes of the hardware micro-architecture (the build's limits unless NPQ_BN_DYNAMIC).
#ifndef NPQ_BN_V_MAX
#define NPQ_BN_V_MAX NPQ_HW_BN_V_MAX
#endif
#ifndef NPQ_BN_CARD_MAX
#define NPQ_BN_CARD_MAX NPQ_HW_BN_CARD_MAX
#endif
#ifndef NPQ_BN_PARENTS_MAX
#define NPQ_BN_PARENTS_MAX NPQ_HW_BN_PARENTS_MAX
#endif
#ifndef NPQ_BN_TABLE_MAX
#define NPQ_BN_TABLE_MAX NPQ_HW_BN_TABLE_MAX
#endif
#ifndef NPQ_BN_T_MAX
#define NPQ_BN_T_MAX NPQ_SPEC_BN_T_MAX
#endif
#ifndef NPQ_BM_N_MAX
#define NPQ_BM_N_MAX NPQ_SPEC_BM_N_MAX
#endif
#ifndef NPQ_BM_TAU_MAX
#define NPQ_BM_TAU_MAX NPQ_SPEC_BM_TAU_MAX
#endif
// RUN_SPARSE frames (spec §4.3.1): the largest N and list slots D. 0 and 0: the build
// takes no sparse frame (answered LIMIT at their N word), as the dense board builds.
#ifndef NPQ_BM_SPARSE_N_MAX
#define NPQ_BM_SPARSE_N_MAX NPQ_SPEC_BM_SPARSE_N_MAX
#endif
#ifndef NPQ_BM_D_MAX
#define NPQ_BM_D_MAX NPQ_SPEC_BM_D_MAX
#endif
// The sparse engine's update units U (hw/rtl/bm_sparse_core.sv): a colour's positions
// r*U .. r*U + U - 1 are decided in one op. Any U gives the same answer.
#ifndef NPQ_BM_UNITS
#define NPQ_BM_UNITS 1
#endif

#if NPQ_BN_CARD_MAX > NPQ_HW_BN_CARD_MAX || NPQ_BN_PARENTS_MAX > NPQ_HW_BN_PARENTS_MAX \
    || NPQ_BN_V_MAX > NPQ_HW_BN_V_MAX || NPQ_BN_TABLE_MAX > NPQ_HW_BN_TABLE_MAX \
    || NPQ_BN_T_MAX > NPQ_SPEC_BN_T_MAX || NPQ_BM_N_MAX > NPQ_SPEC_BM_N_MAX \
    || NPQ_BM_TAU_MAX > NPQ_SPEC_BM_TAU_MAX || NPQ_BM_SPARSE_N_MAX > NPQ_SPEC_BM_SPARSE_N_MAX \
    || NPQ_BM_D_MAX > NPQ_SPEC_BM_D_MAX
#error "a build may lower the limits of the spec and of the bn micro-architecture, never raise them"
#endif
#if (NPQ_BM_SPARSE_N_MAX == 0) != (NPQ_BM_D_MAX == 0)
#error "a sparse build needs both NPQ_BM_SPARSE_N_MAX and NPQ_BM_D_MAX (a dense one neither)"
#endif
#if NPQ_BM_ENGINE == 1 && NPQ_BM_SPARSE_N_MAX > 0
#error "the field engine reads dense frames only: build it with NPQ_BM_SPARSE_N_MAX=0 NPQ_BM_D_MAX=0"
#endif

#endif
