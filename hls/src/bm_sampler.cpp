// bm_sampler: neural sampling of a Boltzmann machine with refractory neurons
// (docs/spec.md §3, frames §4.3).
//
// The twin's structure (hw/rtl/bm_*.sv, docs/rtl.md; loop by loop in docs/hls.md):
// load (frame -> on-chip W, b, schedule, clamps, with the §4.5 checks; one weight
// per cycle into lane j mod P's memory), seeding by one shared splitmix64 seeder,
// then sweeps of chromatic updates. The membrane potential of a neuron is a P-lane
// sum over its row of W, one weight per lane per beat; z is one bit, so each term
// is the weight ANDed with z_j (adds only, no multipliers). Unlike the twin, when
// every row of W has at most NPQ_BM_DEGREE_MAX non-zero weights (a bounded-degree
// graph) the sum runs over neighbour lists built while W is loaded: deg/P beats
// instead of N/P, the same sum, so the same result. RUN_SPARSE frames (§4.3.1) run on
// the sparse engine (hw/rtl/bm_sparse_*.sv; below, "the sparse engine"). Every neuron
// owns its RNG
// stream (§1.2), so P changes only the speed. The output head is written once the
// frame is validated, and recorded states stream out as they are taken, so no
// state buffer and no DATAFLOW stage is needed between sampling and the drain.
#include "npq_kernels.h"
#include "npq_config.h"
#include "npq_constants.h"
#include "npq_frame.h"
#include "npq_luts.h"
#include "npq_rng.h"
#include "npq_threshold.h"

#define BM_P NPQ_LANES
// neurons of the largest machine either frame may carry
#define BM_N (NPQ_BM_N_MAX > NPQ_BM_SPARSE_N_MAX ? NPQ_BM_N_MAX : NPQ_BM_SPARSE_N_MAX)
#define BM_BEATS ((BM_N + BM_P - 1) / BM_P)   // beats of a dense row: one weight per lane per beat
#define BM_ROW (BM_BEATS * BM_P)                // a row padded to whole lane groups
#define BM_DEG_BEATS ((NPQ_BM_DEGREE_MAX + BM_P - 1) / BM_P)   // beats of a neighbour list

struct BmRun {
    uint32_t n, colours, sweeps, burn_in, thin, tau, record, init;
    uint64_t seed;
    bool sparse;   // every row of W has at most NPQ_BM_DEGREE_MAX non-zero weights
    uint32_t slots;   // RUN_SPARSE: list slots D
};

// Model and state: file scope, so on chip in hardware and off the stack natively.
// Lane p holds the weights of columns j = g*P + p of every row (bm_lane.sv): W[k][j]
// is bm_w[j % P][k][j / P], so a beat reads one word from each lane's memory.
static int16_t bm_w[BM_P][BM_N][BM_BEATS];          // Q5.10 weights
static int16_t bm_b[BM_N];                          // Q5.10 biases
// Sparse mode: slot d of row k's neighbour list is lane d % P, beat d / P.
static uint16_t bm_nbr[BM_P][BM_N][BM_DEG_BEATS];   // the non-zero columns of row k ...
static int16_t bm_nbr_w[BM_P][BM_N][BM_DEG_BEATS];  // ... their weights
static uint16_t bm_degree[BM_N];         // ... and how many there are
static uint16_t bm_order[BM_N];          // update order, cut into colours by bm_colour_end
static uint16_t bm_pos[BM_N];            // position of neuron k in it (bm_order's inverse)
static uint16_t bm_colour_end[BM_N];
static bool bm_clamped[BM_N];
static bool bm_seen[BM_N];               // order words already used (permutation check)
static bool bm_z[BM_ROW];                // z_j, one bit each; 0 past N so padded lanes add nothing
static bool bm_next_z[BM_N];             // z of the colour being updated, committed after it
static uint8_t bm_zeta[BM_N];            // refractory counters (a clamped neuron: its value)
static uint32_t bm_s0[BM_N], bm_s1[BM_N], bm_s2[BM_N], bm_s3[BM_N];  // RNG, one per neuron
static uint32_t bm_on[BM_N], bm_spikes[BM_N];
#if NPQ_BM_SPARSE_N_MAX
// The sparse engine (bm_sparse_core.sv): everything by schedule position p (order[p] =
// neuron k), unit u of BM_U holding the positions p = r*U + u, so a row r of a colour
// is one op of every unit. Lists name neighbour positions; z is kept by position (the
// twin's z store, banked by writer unit).
#define BM_U NPQ_BM_UNITS
#define BM_SN NPQ_BM_SPARSE_N_MAX
#define BM_D NPQ_BM_D_MAX
static uint16_t bm_pcolour[BM_SN];       // colour of position p
static bool bm_defer[BM_SN];             // colour c: a non-zero weight joins two of its neurons
static int16_t bm_sb[BM_SN];             // bias
static uint16_t bm_snb[BM_SN][BM_D];     // list slot s: the neighbour's position ...
static int16_t bm_snw[BM_SN][BM_D];      // ... and the weight
static bool bm_zp[BM_SN];                // z
static bool bm_sclamped[BM_SN];
static uint8_t bm_szeta[BM_SN];
static uint32_t bm_p0[BM_SN], bm_p1[BM_SN], bm_p2[BM_SN], bm_p3[BM_SN];   // RNG of the position's neuron
static uint32_t bm_son[BM_SN], bm_sspikes[BM_SN];
#endif
#if NPQ_BM_ENGINE
// The field engine (bm_field_core.sv): column j of W (W[i][j] for every row i) in one
// wide word, and every neuron's field u_i = b_i + sum_j W_ij z_j, kept exact.
static int16_t bm_col[BM_N][BM_N];       // bm_col[j][i] = W[i][j]
static int32_t bm_u[BM_N];
static bool bm_seq_ok[BM_N];             // colour c: no weight between two of its neurons
static bool bm_changed[BM_N];            // a deferred neuron's z changed in its colour
#endif

static uint32_t bm_load_schedule(hls::stream<axis32_t>& in, bool& last, const BmRun& run);
static uint32_t bm_load_tail(hls::stream<axis32_t>& in, bool& last, BmRun& run);

// A RUN frame (§4.3): N, C, b, W, order, colour_end, then clamps, run parameters and
// the initial state; returns the first error.
static uint32_t bm_load(hls::stream<axis32_t>& in, bool& last, BmRun& run) {
    uint32_t st;
    run.n = npq_read(in, last);
    if ((st = npq_check(run.n == 0 || run.n > NPQ_BM_N_MAX, NPQ_STATUS_LIMIT, last, false))) return st;
    run.colours = npq_read(in, last);
    if ((st = npq_check(run.colours == 0 || run.colours > run.n, NPQ_STATUS_LIMIT, last, false))) return st;
    const uint32_t n = run.n;

biases:
    for (uint32_t k = 0; k < n; ++k) {
#pragma HLS LOOP_TRIPCOUNT max = 1024
#pragma HLS PIPELINE II = 1
        // One stream word per cycle: the input port is the limit.
        bm_b[k] = (int16_t)(npq_read(in, last) & 0xFFFF);
        if (last) return NPQ_STATUS_SHORT_FRAME;
    }

    // W, two entries per word, row-major over the flat index k*N + j. The non-zero
    // entries of each row also go to its neighbour list, while the list has room.
    const uint32_t entries = n * n;
    uint32_t k = 0, j = 0, degree = 0, word = 0;
    run.sparse = true;
weights:
    for (uint32_t e = 0; e < entries; ++e) {
#pragma HLS LOOP_TRIPCOUNT max = 1048576
#pragma HLS PIPELINE II = 1
        // One weight per cycle, so a word takes two (as bm_frontend.sv): both halves
        // of a word may belong to the same lane's memory, which has one write port.
        if (e % 2 == 0) {
            word = npq_read(in, last);
            if (last) return NPQ_STATUS_SHORT_FRAME;
        }
        const int16_t weight = (int16_t)((word >> (16 * (e % 2))) & 0xFFFF);
#if NPQ_BM_ENGINE
        bm_col[j][k] = weight;   // the field engine reads columns
#else
        bm_w[j % BM_P][k][j / BM_P] = weight;
#endif
        if (weight != 0) {
            if (degree < NPQ_BM_DEGREE_MAX) {
                bm_nbr[degree % BM_P][k][degree / BM_P] = (uint16_t)j;
                bm_nbr_w[degree % BM_P][k][degree / BM_P] = weight;
            } else {
                run.sparse = false;
            }
            ++degree;
        }
        if (++j == n) {
            bm_degree[k] = (uint16_t)(degree < NPQ_BM_DEGREE_MAX ? degree : NPQ_BM_DEGREE_MAX);
            degree = 0;
            j = 0;
            ++k;
        }
    }

    if ((st = bm_load_schedule(in, last, run))) return st;
    return bm_load_tail(in, last, run);
}

// A RUN_SPARSE frame (§4.3.1): N, C, D, order, colour_end, b, the lists, then as RUN.
// Slot s of neuron k goes where the dense frame's s-th non-zero of row k goes.
static uint32_t bm_load_sparse(hls::stream<axis32_t>& in, bool& last, BmRun& run) {
    uint32_t st;
    run.n = npq_read(in, last);
    // A build without a sparse engine (NPQ_BM_SPARSE_N_MAX = 0) stops here.
    if ((st = npq_check(run.n == 0 || run.n > NPQ_BM_SPARSE_N_MAX, NPQ_STATUS_LIMIT, last, false))) return st;
    run.colours = npq_read(in, last);
    if ((st = npq_check(run.colours == 0 || run.colours > run.n, NPQ_STATUS_LIMIT, last, false))) return st;
    const uint32_t slots = npq_read(in, last);
    if ((st = npq_check(slots == 0 || slots > NPQ_BM_D_MAX, NPQ_STATUS_LIMIT, last, false))) return st;
    if ((st = bm_load_schedule(in, last, run))) return st;
    run.slots = slots;
#if NPQ_BM_SPARSE_N_MAX
    const uint32_t n = run.n;
    uint32_t start = 0;
colour_of_position:
    for (uint32_t c = 0; c < run.colours; ++c) {
#pragma HLS LOOP_TRIPCOUNT max = 1024
        // The front end's colour marks: colour c spans positions [start, end).
        for (uint32_t p = start; p < bm_colour_end[c]; ++p) bm_pcolour[p] = (uint16_t)c;
        bm_defer[c] = false;
        start = bm_colour_end[c];
    }
sparse_biases:
    for (uint32_t k = 0; k < n; ++k) {
#pragma HLS LOOP_TRIPCOUNT max = 1024
#pragma HLS PIPELINE II = 1
        bm_sb[bm_pos[k]] = (int16_t)(npq_read(in, last) & 0xFFFF);
        if (last) return NPQ_STATUS_SHORT_FRAME;
    }
    uint32_t k = 0, slot = 0;
lists:
    for (uint32_t e = 0; e < n * slots; ++e) {
#pragma HLS LOOP_TRIPCOUNT max = 16384
#pragma HLS PIPELINE II = 1
        // One slot per word and cycle: the index checked below N, stored at the neuron's
        // position as its neighbour's position; a weight inside the colour defers it.
        const uint32_t word = npq_read(in, last);
        const uint32_t j = word & 0xFFFF;
        if ((st = npq_check(j >= n, NPQ_STATUS_BAD_MODEL, last, false))) return st;
        const int16_t w = (int16_t)(word >> 16);
        const uint32_t p = bm_pos[k], q = bm_pos[j];
        bm_snb[p][slot] = (uint16_t)q;
        bm_snw[p][slot] = w;
        if (w != 0 && q != p && bm_pcolour[q] == bm_pcolour[p]) bm_defer[bm_pcolour[p]] = true;
        if (++slot == slots) {
            slot = 0;
            ++k;
        }
    }
    return bm_load_tail(in, last, run);
#else
    return NPQ_STATUS_LIMIT;   // not reached: N > NPQ_BM_SPARSE_N_MAX = 0 above
#endif
}

// order (a permutation of 0..N-1) and colour_end (increasing, ending at N).
static uint32_t bm_load_schedule(hls::stream<axis32_t>& in, bool& last, const BmRun& run) {
    uint32_t st;
    const uint32_t n = run.n;
clear_seen:
    for (uint32_t m = 0; m < n; ++m) {
#pragma HLS LOOP_TRIPCOUNT max = 1024
        bm_seen[m] = false;
    }
order:
    for (uint32_t m = 0; m < n; ++m) {
#pragma HLS LOOP_TRIPCOUNT max = 1024
#pragma HLS PIPELINE II = 1
        // One word per cycle; bm_seen is read and written at the same address.
        const uint32_t o = npq_read(in, last) & 0xFFFF;

        // A permutation: every word below N and none repeated.
        if ((st = npq_check(o >= n || bm_seen[o], NPQ_STATUS_BAD_MODEL, last, false))) return st;
        bm_seen[o] = true;
        bm_order[m] = (uint16_t)o;
        bm_pos[o] = (uint16_t)m;
    }
    uint32_t previous = 0;
colour_ends:
    for (uint32_t c = 0; c < run.colours; ++c) {
#pragma HLS LOOP_TRIPCOUNT max = 1024
#pragma HLS PIPELINE II = 1
        // One word per cycle; the previous end is a register.
        const uint32_t e = npq_read(in, last) & 0xFFFF;
        // Every colour non-empty, inside N, and the last one ends at N.
        const bool bad = e <= previous || e > n || (c == run.colours - 1 && e != n);
        if ((st = npq_check(bad, NPQ_STATUS_BAD_MODEL, last, false))) return st;
        bm_colour_end[c] = (uint16_t)e;
        previous = e;
    }
    return NPQ_STATUS_OK;
}

// Clamp mask and values, the run parameters and the initial state (RUN and RUN_SPARSE).
static uint32_t bm_load_tail(hls::stream<axis32_t>& in, bool& last, BmRun& run) {
    uint32_t st;
    const uint32_t n = run.n;
    const uint32_t words = (n + 31) / 32;
clamp_mask:
    for (uint32_t w = 0; w < words; ++w) {
#pragma HLS LOOP_TRIPCOUNT max = 32
        const uint32_t mask = npq_read(in, last);
        for (uint32_t b = 0; b < 32 && 32 * w + b < n; ++b) bm_clamped[32 * w + b] = ((mask >> b) & 1) != 0;
        if (last) return NPQ_STATUS_SHORT_FRAME;
    }
clamp_values:
    for (uint32_t w = 0; w < words; ++w) {
#pragma HLS LOOP_TRIPCOUNT max = 32
        const uint32_t value = npq_read(in, last);
        // A clamped neuron starts (and stays) at its value; free neurons start at 0.
        for (uint32_t b = 0; b < 32 && 32 * w + b < n; ++b)
            bm_z[32 * w + b] = bm_clamped[32 * w + b] && ((value >> b) & 1) != 0;
        if (last) return NPQ_STATUS_SHORT_FRAME;
    }

    run.sweeps = npq_read(in, last);
    if ((st = npq_check(run.sweeps == 0, NPQ_STATUS_BAD_PARAMS, last, false))) return st;
    run.burn_in = npq_read(in, last);
    if ((st = npq_check(false, NPQ_STATUS_OK, last, false))) return st;
    run.thin = npq_read(in, last);
    // Spike counts leave as one 32-bit word each (§3.4).
    const bool bad_thin = run.thin == 0 || (uint64_t)run.sweeps * run.thin >= NPQ_BM_COUNT_WORD_LIMIT;
    if ((st = npq_check(bad_thin, NPQ_STATUS_BAD_PARAMS, last, false))) return st;
    run.tau = npq_read(in, last);
    if ((st = npq_check(run.tau == 0 || run.tau > NPQ_BM_TAU_MAX, NPQ_STATUS_BAD_PARAMS, last, false)))
        return st;
    const uint32_t seed_lo = npq_read(in, last);
    if ((st = npq_check(false, NPQ_STATUS_OK, last, false))) return st;
    const uint32_t seed_hi = npq_read(in, last);
    if ((st = npq_check(false, NPQ_STATUS_OK, last, false))) return st;
    run.seed = ((uint64_t)seed_hi << 32) | seed_lo;
    const uint32_t flags = npq_read(in, last);
    run.record = flags & NPQ_BM_FLAG_RECORD;
    run.init = flags & NPQ_BM_FLAG_INIT;
    const bool bad_record = run.record && (uint64_t)run.sweeps * words >= NPQ_BM_RECORD_WORDS_LIMIT;
    if ((st = npq_check(bad_record, NPQ_STATUS_BAD_PARAMS, last, !run.init))) return st;
    if (!run.init) return NPQ_STATUS_OK;

    const uint32_t zeta_words = (n + NPQ_BM_ZETAS_PER_WORD - 1) / NPQ_BM_ZETAS_PER_WORD;
initial_state:
    for (uint32_t w = 0; w < zeta_words; ++w) {
#pragma HLS LOOP_TRIPCOUNT max = 256
        const uint32_t value = npq_read(in, last);
        // Bytes of clamped neurons and past N are ignored; a free neuron's ζ is at most τ.
        bool bad = false;
        for (uint32_t j = 0; j < NPQ_BM_ZETAS_PER_WORD; ++j) {
            const uint32_t k = NPQ_BM_ZETAS_PER_WORD * w + j;
            const uint32_t zeta = (value >> (8 * j)) & 0xFF;
            if (k < n && !bm_clamped[k]) {
                bad |= zeta > run.tau;
                bm_zeta[k] = (uint8_t)zeta;
            }
        }
        if ((st = npq_check(bad, NPQ_STATUS_BAD_PARAMS, last, w == zeta_words - 1))) return st;
    }
    return NPQ_STATUS_OK;
}

#if !NPQ_BM_ENGINE || NPQ_BM_SPARSE_N_MAX
// SIGMOID_LUT[clamp((v >> 4) + 512, 0, 1023)] as the twin forms it (bm_core.sv T2, R):
// the table is read at the index bits of v whatever the range, and the read replaced
// by an end of the table when v >> 4 does not fit 10 signed bits.
static uint32_t bm_fire_level(int32_t v) {
    const int32_t high = v >> 13;
    const bool in_range = high == 0 || high == -1;
    const uint32_t bits = (((uint32_t)v >> 4) & (NPQ_SIGMOID_LUT_SIZE - 1)) ^ (NPQ_SIGMOID_LUT_SIZE / 2);
    return in_range ? NPQ_SIGMOID_LUT[bits] : NPQ_SIGMOID_LUT[v < 0 ? 0 : NPQ_SIGMOID_LUT_SIZE - 1];
}
#endif

#if NPQ_BM_ENGINE || NPQ_BM_SPARSE_N_MAX
// A recorded state out, 32 neurons per word in neuron order (spec §4.4); z_of(k) is
// neuron k's z, wherever the engine keeps it.
template <typename ZOf>
static void bm_write_state(hls::stream<axis32_t>& out, uint32_t n, ZOf z_of) {
#pragma HLS INLINE
    uint32_t word = 0;
state_words:
    for (uint32_t k = 0; k < n; ++k) {
#pragma HLS LOOP_TRIPCOUNT max = 1024
#pragma HLS PIPELINE II = 1
        word |= (uint32_t)z_of(k) << (k & 31);
        if ((k & 31) == 31 || k == n - 1) {
            npq_write(out, word, false);
            word = 0;
        }
    }
}
#endif

#if !NPQ_BM_ENGINE
#define BM_GROUP 8                                     // lanes per adder group (bm_core.sv T1)
#define BM_GROUPS ((BM_P + BM_GROUP - 1) / BM_GROUP)

// v = b_k - ln tau + sum_j W_kj z_j as P partial sums (exact, signed 32-bit): over the
// whole row (dense), or over the row's non-zero entries only (sparse, same sum).
static int32_t bm_potential(uint32_t k, uint32_t n, bool sparse, int32_t lntau) {
    int32_t acc[BM_P];
#pragma HLS ARRAY_PARTITION variable = acc complete
    // One accumulator per lane: each has a one-cycle add, so the loops run at II=1.
    for (uint32_t p = 0; p < BM_P; ++p) acc[p] = 0;
    if (sparse) {
        const uint32_t degree = bm_degree[k];
    neighbours:
        for (uint32_t g = 0; g * BM_P < degree; ++g) {
#pragma HLS LOOP_TRIPCOUNT max = BM_DEG_BEATS
#pragma HLS PIPELINE II = 1
            // P neighbours per beat, one from each lane's list memory; their z from registers.
            for (uint32_t p = 0; p < BM_P; ++p)
                if (g * BM_P + p < degree)
                    acc[p] += (int32_t)bm_nbr_w[p][k][g] & -(int32_t)bm_z[bm_nbr[p][k][g]];
        }
    } else {
    dot:
        for (uint32_t g = 0; g * BM_P < n; ++g) {
#pragma HLS LOOP_TRIPCOUNT max = BM_BEATS
#pragma HLS PIPELINE II = 1
            // One beat: lane p reads W[k][g*P + p] from its own memory (bm_lane.sv).
            for (uint32_t p = 0; p < BM_P; ++p)
                acc[p] += (int32_t)bm_w[p][k][g] & -(int32_t)bm_z[g * BM_P + p];   // z binary: an AND, no multiply
        }
    }
    // The twin's adder tree over two stages (bm_core.sv T1, T2): the lanes in groups
    // of 8, then the groups and the bias less ln tau. Exact, so the grouping is free.
    int32_t v = (int32_t)bm_b[k] - lntau;
    for (uint32_t g = 0; g < BM_GROUPS; ++g) {
        int32_t group = 0;
        for (uint32_t p = g * BM_GROUP; p < (g + 1) * BM_GROUP && p < BM_P; ++p) group += acc[p];
        v += group;
    }
    return v;
}

// One update of free neuron k (§3.2); returns its new z.
static bool bm_update(uint32_t k, const BmRun& run, bool counting) {
    NpqRng s = {bm_s0[k], bm_s1[k], bm_s2[k], bm_s3[k]};
    const uint32_t r = npq_next(s);   // drawn always, also when refractory
    bm_s0[k] = s.s0;
    bm_s1[k] = s.s1;
    bm_s2[k] = s.s2;
    bm_s3[k] = s.s3;
    const uint32_t zeta = bm_zeta[k];
    if (zeta > 1) {
        // Refractory: the potential is not needed, so it is not computed.
        bm_zeta[k] = (uint8_t)(zeta - 1);
        return true;
    }
    const int32_t v = bm_potential(k, run.n, run.sparse, (int32_t)NPQ_LNTAU_LUT[run.tau]);
    const bool fire = (r >> 8) < bm_fire_level(v);
    bm_zeta[k] = fire ? (uint8_t)run.tau : 0;
    if (fire && counting) ++bm_spikes[k];
    return fire;
}

// Every recorded state: on counts, and the packed words if RECORD.
static void bm_record(hls::stream<axis32_t>& out, const BmRun& run) {
    uint32_t word = 0;
record:
    for (uint32_t k = 0; k < run.n; ++k) {
#pragma HLS LOOP_TRIPCOUNT max = 1024
#pragma HLS PIPELINE II = 1
        // One neuron per cycle; the packed word is a register, written every 32 neurons.
        bm_on[k] += bm_z[k] ? 1 : 0;
        word |= (uint32_t)bm_z[k] << (k & 31);
        if ((k & 31) == 31 || k == run.n - 1) {
            if (run.record) npq_write(out, word, false);
            word = 0;
        }
    }
}

static void bm_sweeps(hls::stream<axis32_t>& out, const BmRun& run) {
    const uint64_t total = run.burn_in + (uint64_t)run.sweeps * run.thin;
    uint32_t countdown = run.thin;
sweeps:
    for (uint64_t sweep = 0; sweep < total; ++sweep) {
#pragma HLS LOOP_TRIPCOUNT max = 1000
        const bool counting = sweep >= run.burn_in;
        uint32_t start = 0;
    colours:
        for (uint32_t c = 0; c < run.colours; ++c) {
#pragma HLS LOOP_TRIPCOUNT max = 1024
            const uint32_t end = bm_colour_end[c];
            // Simultaneous within a colour: all read z from before the colour, then commit.
        update:
            for (uint32_t m = start; m < end; ++m) {
#pragma HLS LOOP_TRIPCOUNT max = 1024
                const uint32_t k = bm_order[m];
                if (!bm_clamped[k]) bm_next_z[k] = bm_update(k, run, counting);
            }
        commit:
            for (uint32_t m = start; m < end; ++m) {
#pragma HLS LOOP_TRIPCOUNT max = 1024
#pragma HLS PIPELINE II = 1
                // A permutation: no two iterations write the same z.
                const uint32_t k = bm_order[m];
                if (!bm_clamped[k]) bm_z[k] = bm_next_z[k];
            }
            start = end;
        }
        if (counting && --countdown == 0) {
            bm_record(out, run);
            countdown = run.thin;
        }
    }
}

#else
// ---------------------------------------------------------------- the field engine
// u_i += ±W[i][j] for every i (twin: the whole column in one cycle, one adder per field).
static void bm_add_column(uint32_t j, bool negative, uint32_t n) {
add_column:
    for (uint32_t i = 0; i < n; ++i) {
#pragma HLS LOOP_TRIPCOUNT max = 1024
#pragma HLS PIPELINE II = 1
        const int32_t w = bm_col[j][i];
        bm_u[i] += negative ? -w : w;
    }
}

// One update of free neuron k from its field; returns whether its z changed.
static bool bm_field_update(uint32_t k, const BmRun& run, bool counting, bool recorded) {
    NpqRng s = {bm_s0[k], bm_s1[k], bm_s2[k], bm_s3[k]};
    const uint32_t r = npq_next(s);   // drawn always, also when refractory
    bm_s0[k] = s.s0;
    bm_s1[k] = s.s1;
    bm_s2[k] = s.s2;
    bm_s3[k] = s.s3;
    const uint32_t zeta = bm_zeta[k];
    bool z_new = true;
    if (zeta > 1) {
        bm_zeta[k] = (uint8_t)(zeta - 1);   // refractory: the draw is discarded
    } else {
        // SIGMOID_LUT is non-decreasing, so with m = #{i : SIGMOID[i] <= x} (npq_threshold.h,
        // the twin's bucket search) the rule of §3.2 is: fire iff m = 0, or m < 1024 and
        // u >= LNTAU[tau] + 16 (m - 512); m depends on the draw only.
        const uint32_t m = bm_fire_count(r >> 8);
        const int32_t theta = (int32_t)NPQ_LNTAU_LUT[run.tau] + 16 * ((int32_t)m - (int32_t)(NPQ_SIGMOID_LUT_SIZE / 2));
        z_new = m == 0 || (m < NPQ_SIGMOID_LUT_SIZE && bm_u[k] >= theta);
        bm_zeta[k] = z_new ? (uint8_t)run.tau : 0;
        if (z_new && counting) ++bm_spikes[k];
    }
    if (z_new && recorded) ++bm_on[k];   // its last update of the sweep: z as recorded
    const bool changed = z_new != bm_z[k];
    bm_z[k] = z_new;
    return changed;
}

// Before the sweeps: a colour of several free neurons with no weight between two of
// them may add each column as its neuron is decided (the same as the simultaneous
// rule); otherwise its adds wait for the colour's end (bm_field_core.sv C_CHECK).
static void bm_colour_check(const BmRun& run) {
    uint32_t start = 0;
colour_check:
    for (uint32_t c = 0; c < run.colours; ++c) {
#pragma HLS LOOP_TRIPCOUNT max = 1024
        const uint32_t end = bm_colour_end[c];
        bool ok = true;
        for (uint32_t a = start; a < end; ++a) {
#pragma HLS LOOP_TRIPCOUNT max = 1024
            const uint32_t j = bm_order[a];
            if (bm_clamped[j]) continue;
            for (uint32_t b = start; b < end; ++b) {
#pragma HLS LOOP_TRIPCOUNT max = 1024
                const uint32_t i = bm_order[b];
                if (i != j && !bm_clamped[i] && bm_col[j][i] != 0) ok = false;
            }
        }
        bm_seq_ok[c] = ok;
        start = end;
    }
}

static void bm_field_sweeps(hls::stream<axis32_t>& out, const BmRun& run) {
    // The fields at the start: the biases, then the column of every neuron that is on.
init_fields:
    for (uint32_t i = 0; i < run.n; ++i) {
#pragma HLS LOOP_TRIPCOUNT max = 1024
        bm_u[i] = bm_b[i];
    }
init_columns:
    for (uint32_t j = 0; j < run.n; ++j) {
#pragma HLS LOOP_TRIPCOUNT max = 1024
        if (bm_z[j]) bm_add_column(j, false, run.n);
    }
    bm_colour_check(run);
    const uint64_t total = run.burn_in + (uint64_t)run.sweeps * run.thin;
    uint32_t countdown = run.thin;
sweeps:
    for (uint64_t sweep = 0; sweep < total; ++sweep) {
#pragma HLS LOOP_TRIPCOUNT max = 1000
        const bool counting = sweep >= run.burn_in;
        const bool recorded = counting && countdown == 1;
        uint32_t start = 0;
    colours:
        for (uint32_t c = 0; c < run.colours; ++c) {
#pragma HLS LOOP_TRIPCOUNT max = 1024
            const uint32_t end = bm_colour_end[c];
        decide:
            for (uint32_t m = start; m < end; ++m) {
#pragma HLS LOOP_TRIPCOUNT max = 1024
                const uint32_t k = bm_order[m];
                if (bm_clamped[k]) continue;
                const bool changed = bm_field_update(k, run, counting, recorded);
                if (bm_seq_ok[c]) {
                    if (changed) bm_add_column(k, !bm_z[k], run.n);
                } else {
                    bm_changed[k] = changed;
                }
            }
            if (!bm_seq_ok[c]) {
            apply:
                for (uint32_t m = start; m < end; ++m) {
#pragma HLS LOOP_TRIPCOUNT max = 1024
                    const uint32_t k = bm_order[m];
                    if (!bm_clamped[k] && bm_changed[k]) bm_add_column(k, !bm_z[k], run.n);
                }
            }
            start = end;
        }
        if (counting && --countdown == 0) {
            countdown = run.thin;
            if (run.record) bm_write_state(out, run.n, [](uint32_t k) { return bm_z[k]; });
        }
    }
    // A clamped neuron is in every recorded state with its value.
clamped_on:
    for (uint32_t k = 0; k < run.n; ++k) {
#pragma HLS LOOP_TRIPCOUNT max = 1024
        if (bm_clamped[k] && bm_z[k]) bm_on[k] = run.sweeps;
    }
}
#endif


#if NPQ_BM_SPARSE_N_MAX
// ---------------------------------------------------------------- the sparse engine
// Seeding and the start state, position by position (bm_sparse_core.sv C_INIT): the
// stream of the position's neuron, its clamp, its ζ (a clamped neuron: its value).
static void bm_sparse_init(const BmRun& run) {
sparse_init:
    for (uint32_t p = 0; p < run.n; ++p) {
#pragma HLS LOOP_TRIPCOUNT max = 1024
#pragma HLS PIPELINE II = 1
        const uint32_t k = bm_order[p];
        const NpqRng s = npq_seed_stream(run.seed, k);
        bm_p0[p] = s.s0;
        bm_p1[p] = s.s1;
        bm_p2[p] = s.s2;
        bm_p3[p] = s.s3;
        const bool clamped = bm_clamped[k];
        const uint8_t zeta = clamped ? (uint8_t)bm_z[k] : run.init ? bm_zeta[k] : (uint8_t)0;
        bm_sclamped[p] = clamped;
        bm_szeta[p] = zeta;
        bm_zp[p] = zeta != 0;
        bm_son[p] = 0;
        bm_sspikes[p] = 0;
    }
}

// One unit's op on free position p (§3.2; bm_sparse_unit.sv): its draw, and unless
// refractory the field over its D list slots (z binary: an AND, no multiply) and the
// table's level. Returns the new z (ζ != 0).
static bool bm_sparse_decide(uint32_t p, const BmRun& run, int32_t lntau, bool counting) {
#pragma HLS INLINE
    NpqRng s = {bm_p0[p], bm_p1[p], bm_p2[p], bm_p3[p]};
    const uint32_t r = npq_next(s);   // drawn always, also when refractory
    bm_p0[p] = s.s0;
    bm_p1[p] = s.s1;
    bm_p2[p] = s.s2;
    bm_p3[p] = s.s3;
    const uint32_t zeta = bm_szeta[p];
    if (zeta > 1) {
        bm_szeta[p] = (uint8_t)(zeta - 1);   // refractory: the draw is discarded
        return true;
    }
    int32_t v = (int32_t)bm_sb[p] - lntau;
slots:
    for (uint32_t d = 0; d < BM_D; ++d) {
#pragma HLS UNROLL
        // every slot in the same cycle: D z reads, an adder tree (the slots past the
        // frame's D masked off; natively the loop ends there)
        if (d == run.slots) break;
        v += (int32_t)bm_snw[p][d] & -(int32_t)bm_zp[bm_snb[p][d]];
    }
    const bool fire = (r >> 8) < bm_fire_level(v);
    bm_szeta[p] = fire ? (uint8_t)run.tau : 0;
    if (fire && counting) ++bm_sspikes[p];
    return fire;
}

// The rows of colour [start, end): U positions per op, the units outside the colour or
// clamped masked off. A colour without a weight inside writes z as it decides (its
// neurons read no z of the colour); a deferred one decides all, then applies z from ζ.
static void bm_sparse_colour(uint32_t start, uint32_t end, bool defer, const BmRun& run, int32_t lntau,
                             bool counting) {
decide:
    for (uint32_t r = start / BM_U; r * BM_U < end; ++r) {
#pragma HLS LOOP_TRIPCOUNT max = 1024
#pragma HLS PIPELINE II = 1
#pragma HLS DEPENDENCE variable = bm_zp inter false
        // One op: a row of U positions. No z read of this colour depends on a z written
        // in it (deferred colours write none here), as the twin's 3-cycle colour gap.
        for (uint32_t u = 0; u < BM_U; ++u) {
#pragma HLS UNROLL
            const uint32_t p = r * BM_U + u;
            if (p < start || p >= end || bm_sclamped[p]) continue;
            const bool z = bm_sparse_decide(p, run, lntau, counting);
            if (!defer) bm_zp[p] = z;
        }
    }
    if (!defer) return;
apply:
    for (uint32_t r = start / BM_U; r * BM_U < end; ++r) {
#pragma HLS LOOP_TRIPCOUNT max = 1024
#pragma HLS PIPELINE II = 1
        for (uint32_t u = 0; u < BM_U; ++u) {
#pragma HLS UNROLL
            const uint32_t p = r * BM_U + u;
            if (p >= start && p < end && !bm_sclamped[p]) bm_zp[p] = bm_szeta[p] != 0;
        }
    }
}

static void bm_sparse_sweeps(hls::stream<axis32_t>& out, const BmRun& run) {
    const int32_t lntau = (int32_t)NPQ_LNTAU_LUT[run.tau];
    const uint64_t total = run.burn_in + (uint64_t)run.sweeps * run.thin;
    uint32_t countdown = run.thin;
sparse_sweeps:
    for (uint64_t sweep = 0; sweep < total; ++sweep) {
#pragma HLS LOOP_TRIPCOUNT max = 1000
        const bool counting = sweep >= run.burn_in;
        uint32_t start = 0;
    sparse_colours:
        for (uint32_t c = 0; c < run.colours; ++c) {
#pragma HLS LOOP_TRIPCOUNT max = 8
            const uint32_t end = bm_colour_end[c];
            bm_sparse_colour(start, end, bm_defer[c], run, lntau, counting);
            start = end;
        }
        if (counting && --countdown == 0) {
            countdown = run.thin;
        sparse_on:
            for (uint32_t p = 0; p < run.n; ++p) {
#pragma HLS LOOP_TRIPCOUNT max = 1024
#pragma HLS UNROLL factor = BM_U
                bm_son[p] += bm_zp[p] ? 1 : 0;   // clamped neurons too: z is their value
            }
            // neuron order: each neuron's z read at its position
            if (run.record) bm_write_state(out, run.n, [](uint32_t k) { return bm_zp[bm_pos[k]]; });
        }
    }
    // The read-out, neuron by neuron from its position, into the drains' arrays.
sparse_readout:
    for (uint32_t k = 0; k < run.n; ++k) {
#pragma HLS LOOP_TRIPCOUNT max = 1024
#pragma HLS PIPELINE II = 1
        const uint32_t p = bm_pos[k];
        bm_on[k] = bm_son[p];
        bm_spikes[k] = bm_sspikes[p];
        bm_zeta[k] = bm_szeta[p];
    }
}
#endif

void bm_sampler(hls::stream<axis32_t>& in, hls::stream<axis32_t>& out, uint32_t* status) {
    // Frames on AXI4-Stream; STATUS (0x10) and ap_ctrl_hs on AXI4-Lite (spec §5).
#pragma HLS INTERFACE axis port = in
#pragma HLS INTERFACE axis port = out
#pragma HLS INTERFACE s_axilite port = status
#pragma HLS INTERFACE s_axilite port = return
    // One weight memory per lane (a beat reads each once); the sparse lists likewise.
    // z is read at P places per cycle: registers, one bit each.
#pragma HLS ARRAY_PARTITION variable = bm_w complete dim = 1
#if NPQ_BM_W_URAM
#pragma HLS BIND_STORAGE variable = bm_w type = ram_1p impl = uram
#endif
#pragma HLS ARRAY_PARTITION variable = bm_nbr complete dim = 1
#pragma HLS ARRAY_PARTITION variable = bm_nbr_w complete dim = 1
#pragma HLS ARRAY_PARTITION variable = bm_z complete
#if NPQ_BM_ENGINE
    // a column is one wide word; every field is a register with its own adder
#pragma HLS ARRAY_PARTITION variable = bm_col complete dim = 2
#pragma HLS ARRAY_PARTITION variable = bm_u complete
#endif

    bool last = false;
    uint32_t op = 0;
    BmRun run;
    uint32_t st = npq_read_head(in, last, NPQ_MAGIC_BM, op);
    if (st == NPQ_STATUS_OK && op == NPQ_OP_RUN) st = bm_load(in, last, run);
    if (st == NPQ_STATUS_OK && op == NPQ_OP_RUN_SPARSE) st = bm_load_sparse(in, last, run);
    if (st != NPQ_STATUS_OK) {
        npq_discard_rest(in, last);
        npq_write_head(out, st, 0);
        *status = st;
        return;
    }
    if (op == NPQ_OP_INFO) {
        // P: the lanes; a sparse-only build (N_MAX = 0) reports its units U, as the twin's ENGINE 2
#if NPQ_BM_N_MAX == 0 && NPQ_BM_SPARSE_N_MAX
        const uint32_t lanes = NPQ_BM_UNITS;
#else
        const uint32_t lanes = BM_P;
#endif
        const uint32_t info[NPQ_BM_INFO_WORDS] = {NPQ_SPEC_VERSION, lanes, NPQ_BM_N_MAX, NPQ_BM_TAU_MAX,
                                                  NPQ_BM_SPARSE_N_MAX, NPQ_BM_D_MAX};
        npq_write_head(out, NPQ_STATUS_OK, NPQ_BM_INFO_WORDS);
        for (uint32_t w = 0; w < NPQ_BM_INFO_WORDS; ++w) npq_write(out, info[w], w == NPQ_BM_INFO_WORDS - 1);
        *status = NPQ_STATUS_OK;
        return;
    }

    // RUN_SPARSE frames run on the sparse engine, RUN frames on the dense one.
    const bool sparse = op == NPQ_OP_RUN_SPARSE;
#if NPQ_BM_SPARSE_N_MAX
    if (sparse) bm_sparse_init(run);
#endif
init:
    for (uint32_t k = 0; k < BM_ROW && !sparse; ++k) {
#pragma HLS PIPELINE II = 1
        // One neuron per cycle: the two splitmix64 mixes are pipelined, not iterated.
        if (k >= run.n) {
            bm_z[k] = false;
            continue;
        }
        const NpqRng s = npq_seed_stream(run.seed, k);
        bm_s0[k] = s.s0;
        bm_s1[k] = s.s1;
        bm_s2[k] = s.s2;
        bm_s3[k] = s.s3;
        // A clamped neuron's ζ is its value (bm_z from the clamp words); a free neuron
        // starts from the frame's initial state, or off.
        if (bm_clamped[k]) {
            bm_zeta[k] = bm_z[k] ? 1 : 0;
        } else {
            if (!run.init) bm_zeta[k] = 0;
            bm_z[k] = bm_zeta[k] != 0;
        }
        bm_on[k] = 0;
        bm_spikes[k] = 0;
    }

    const uint32_t words = (run.n + 31) / 32;
    const uint32_t zeta_words = (run.n + NPQ_BM_ZETAS_PER_WORD - 1) / NPQ_BM_ZETAS_PER_WORD;
    const uint32_t recorded = run.record ? run.sweeps * words : 0;
    npq_write_head(out, NPQ_STATUS_OK, recorded + 2 * run.n + zeta_words);
#if NPQ_BM_SPARSE_N_MAX
    if (sparse) bm_sparse_sweeps(out, run);
#endif
#if NPQ_BM_ENGINE
    if (!sparse) bm_field_sweeps(out, run);
#else
    if (!sparse) bm_sweeps(out, run);
#endif
drain_on:
    for (uint32_t k = 0; k < run.n; ++k) {
#pragma HLS LOOP_TRIPCOUNT max = 1024
#pragma HLS PIPELINE II = 1
        // One output word per cycle: the stream port is the limit.
        npq_write(out, bm_on[k], false);
    }
drain_spikes:
    for (uint32_t k = 0; k < run.n; ++k) {
#pragma HLS LOOP_TRIPCOUNT max = 1024
#pragma HLS PIPELINE II = 1
        // One output word per cycle.
        npq_write(out, bm_spikes[k], false);
    }
drain_final_state:
    for (uint32_t w = 0; w < zeta_words; ++w) {
#pragma HLS LOOP_TRIPCOUNT max = 256
        // ζ of four neurons per word, so the host can continue the chain (§4.4).
        uint32_t word = 0;
        for (uint32_t j = 0; j < NPQ_BM_ZETAS_PER_WORD; ++j) {
            const uint32_t k = NPQ_BM_ZETAS_PER_WORD * w + j;
            if (k < run.n) word |= (uint32_t)bm_zeta[k] << (8 * j);
        }
        npq_write(out, word, w == zeta_words - 1);
    }
    *status = NPQ_STATUS_OK;
}
