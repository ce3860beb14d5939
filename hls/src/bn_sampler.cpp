// bn_sampler: importance sampling of a discrete Bayesian network with
// Poisson-spiking sample neurons (docs/spec.md §2, frames §4.2).
//
// Structure: load (frame -> on-chip tables, with the §4.5 checks), sample, drain.
// Samples go in groups of P lanes x NPQ_BN_BATCH. Every sample owns its RNG
// stream (§1.2), so lanes and batches never share state and the counts do not
// depend on P. Inside a group the variable loop is outermost and the batch loop
// innermost: consecutive pipeline iterations are different samples, so the
// dependence of a variable on its parents spans a whole batch and the loop runs
// at II=1. DATAFLOW is not used: each phase needs the complete result of the one
// before (all tables before sampling, all counts before the drain).
#include "npq_kernels.h"
#include "npq_config.h"
#include "npq_constants.h"
#include "npq_frame.h"
#include "npq_luts.h"
#include "npq_rng.h"

#define BN_P NPQ_LANES
#define BN_B NPQ_BN_BATCH
#define BN_COUNTS (NPQ_BN_V_MAX * NPQ_BN_CARD_MAX)
#define BN_BANKS 4   // interleaved count accumulators (readout)

// Descriptor of one variable, as the sampling loops use it.
struct BnVar {
    uint32_t width;                         // card - 1 thresholds per row (sampled variables)
    uint32_t evidence;                      // 1 if observed
    uint32_t state;                         // observed state
    uint32_t base;                          // first table word
    uint32_t n_parents;
    uint32_t parent[NPQ_BN_PARENTS_MAX];    // kernel indices
    uint32_t stride[NPQ_BN_PARENTS_MAX];    // row = sum over parents of stride * x[parent]
    uint32_t rows;                          // parent configurations
    uint32_t count_base;                    // first count of this variable
};

struct BnRun {
    uint32_t n_vars, table_words, samples, window, rmax;
    uint64_t seed;
    uint32_t offset;   // sum over evidence variables of min_r NL (§2.2 step 3)
    uint32_t n_counts; // sum of cardinalities
};

// Reads V, TW, descriptors, table and run parameters; returns the first error.
static uint32_t bn_load(hls::stream<axis32_t>& in, bool& last, BnRun& run,
                        BnVar vars[NPQ_BN_V_MAX], uint32_t card[NPQ_BN_V_MAX],
                        uint32_t table[BN_P][NPQ_BN_TABLE_MAX]) {
    uint32_t st;
    run.n_vars = npq_read(in, last);
    st = npq_check(run.n_vars == 0 || run.n_vars > NPQ_BN_V_MAX, NPQ_STATUS_LIMIT, last, false);
    if (st) return st;
    run.table_words = npq_read(in, last);
    st = npq_check(run.table_words == 0 || run.table_words > NPQ_BN_TABLE_MAX, NPQ_STATUS_LIMIT,
                 last, false);
    if (st) return st;

    uint32_t n_counts = 0;
descriptors:
    for (uint32_t i = 0; i < run.n_vars; ++i) {
#pragma HLS LOOP_TRIPCOUNT max = 128
        const uint32_t w0 = npq_read(in, last);
        const uint32_t c = w0 & 0x1F, n_par = (w0 >> 8) & 0xF, ev = (w0 >> 16) & 1, e = (w0 >> 20) & 0xF;
        bool bad = c == 0 || c > NPQ_BN_CARD_MAX || n_par > NPQ_BN_PARENTS_MAX || (ev && e >= c);
        st = npq_check(bad, NPQ_STATUS_BAD_MODEL, last, false);
        if (st) return st;
        const uint32_t base = npq_read(in, last) & 0xFFFF;
        st = npq_check(false, NPQ_STATUS_OK, last, false);
        if (st) return st;
        uint32_t slots[8];
        uint64_t rows = 1;
        for (uint32_t half = 0; half < 2; ++half) {
            const uint32_t w = npq_read(in, last);
            for (uint32_t j = 0; j < 4; ++j) slots[4 * half + j] = (w >> (8 * j)) & 0xFF;
            bad = false;
            for (uint32_t j = 4 * half; j < 4 * half + 4; ++j) bad |= j < n_par && slots[j] >= i;
            if (half == 1 && !bad) {
                // Row strides, last parent fastest (§2.1); 64-bit rows: 8 parents of 16 states make 2^32.
                for (int j = NPQ_BN_PARENTS_MAX - 1; j >= 0; --j) {
                    const bool used = (uint32_t)j < n_par;
                    vars[i].parent[j] = used ? slots[j] : 0;
                    vars[i].stride[j] = used ? (uint32_t)rows : 0;
                    if (used) rows *= card[slots[j]];
                }
                // The table-slice check belongs to the descriptor's last word.
                const uint64_t size = ev ? rows : rows * (c - 1);
                bad = base + size > run.table_words;
            }
            st = npq_check(bad, NPQ_STATUS_BAD_MODEL, last, false);
            if (st) return st;
        }
        card[i] = c;
        vars[i].width = c - 1;
        vars[i].evidence = ev;
        vars[i].state = e;
        vars[i].base = base;
        vars[i].n_parents = n_par;
        vars[i].rows = (uint32_t)rows;  // only read for evidence variables, whose rows fit TW
        vars[i].count_base = n_counts;
        n_counts += c;
    }
    run.n_counts = n_counts;

table:
    for (uint32_t w = 0; w < run.table_words; ++w) {
#pragma HLS LOOP_TRIPCOUNT max = 32768
#pragma HLS PIPELINE II = 1
        // One stream word per cycle, written to every lane's copy at once.
        const uint32_t value = npq_read(in, last) & 0x1FFFF;
        for (uint32_t p = 0; p < BN_P; ++p) table[p][w] = value;
        if (last) return NPQ_STATUS_SHORT_FRAME;
    }

    run.samples = npq_read(in, last);
    st = npq_check(run.samples == 0, NPQ_STATUS_BAD_PARAMS, last, false);
    if (st) return st;
    run.window = npq_read(in, last);
    const bool bad_window = run.window == 0 || run.window > NPQ_BN_T_MAX
                            || (uint64_t)run.samples * run.window > NPQ_SPEC_BN_ST_MAX;
    st = npq_check(bad_window, NPQ_STATUS_BAD_PARAMS, last, false);
    if (st) return st;
    const uint32_t seed_lo = npq_read(in, last);
    st = npq_check(false, NPQ_STATUS_OK, last, false);
    if (st) return st;
    const uint32_t seed_hi = npq_read(in, last);
    st = npq_check(false, NPQ_STATUS_OK, last, false);
    if (st) return st;
    run.seed = ((uint64_t)seed_hi << 32) | seed_lo;
    run.rmax = npq_read(in, last);
    st = npq_check(run.rmax == 0 || run.rmax > NPQ_BN_RMAX_MAX, NPQ_STATUS_BAD_PARAMS, last, false);
    if (st) return st;
    npq_read(in, last);  // reserved
    st = npq_check(false, NPQ_STATUS_OK, last, true);
    if (st) return st;

    // OFFSET: the best possible sample fires at the maximum rate (§2.2 step 3).
    uint32_t offset = 0;
offset_vars:
    for (uint32_t i = 0; i < run.n_vars; ++i) {
#pragma HLS LOOP_TRIPCOUNT max = 128
        if (!vars[i].evidence) continue;
        const uint32_t rows = vars[i].rows;
        uint32_t least = NPQ_NL_IMPOSSIBLE;
    offset_rows:
        for (uint32_t r = 0; r < rows; ++r) {
#pragma HLS LOOP_TRIPCOUNT max = 32768
#pragma HLS PIPELINE II = 1
            // A running minimum: one compare per cycle, no memory hazard.
            const uint32_t nl = table[0][vars[i].base + r] & 0xFFFF;
            least = nl < least ? nl : least;
        }
        offset += least;
    }
    run.offset = offset;
    return NPQ_STATUS_OK;
}

// Per-step firing threshold F of a sample with log-weight NLW (§2.2 step 3).
static uint32_t bn_firing_threshold(uint32_t nlw, bool dead, const BnRun& run) {
    const uint32_t d = nlw - run.offset;
    const uint32_t shift = d >> NPQ_NL_FRAC_BITS;
    if (dead || shift >= NPQ_FIRE_BITS) return 0;
    const uint64_t prod = (uint64_t)run.rmax * NPQ_EXP2_LUT[d & (NPQ_EXP2_LUT_SIZE - 1)];
    return (uint32_t)(prod >> (15 + shift));
}

// Per-lane state of one batch of sample neurons (file scope: on chip, off the stack).
static uint32_t bn_s0[BN_P][BN_B], bn_s1[BN_P][BN_B], bn_s2[BN_P][BN_B], bn_s3[BN_P][BN_B];  // RNG per sample
static uint8_t bn_x[BN_P][NPQ_BN_V_MAX][BN_B];   // sampled states
static uint32_t bn_nlw[BN_P][BN_B];              // negative log-weight
static uint8_t bn_dead[BN_P][BN_B];              // some evidence has probability 0
static uint32_t bn_fire[BN_P][BN_B];             // F of the live samples, packed to the front
static uint16_t bn_slot[BN_P][BN_B];              // batch slot of each packed live sample
static uint32_t bn_spikes[BN_P][BN_B];           // n_s by batch slot

static inline uint32_t bn_draw(uint32_t p, uint32_t b) {
    NpqRng s = {bn_s0[p][b], bn_s1[p][b], bn_s2[p][b], bn_s3[p][b]};
    const uint32_t r = npq_next(s);
    bn_s0[p][b] = s.s0;
    bn_s1[p][b] = s.s1;
    bn_s2[p][b] = s.s2;
    bn_s3[p][b] = s.s3;
    return r;
}

// Row of sample b's parent configuration in variable v's table (§2.1).
static inline uint32_t bn_row(const BnVar& v, uint32_t p, uint32_t b) {
    uint32_t row = 0;
    for (uint32_t j = 0; j < NPQ_BN_PARENTS_MAX; ++j)
        if (j < v.n_parents) row += v.stride[j] * bn_x[p][v.parent[j]][b];
    return row;
}

// Samples first ... first + P*B - 1 of the run: x, weights, spikes, counts.
static void bn_group(uint64_t first, const BnRun& run, const BnVar vars[NPQ_BN_V_MAX],
                     const uint32_t table[BN_P][NPQ_BN_TABLE_MAX],
                     uint64_t counts[BN_P][BN_COUNTS], uint64_t total[BN_P]) {
    // Per-lane sample state: every lane touches its own entry in the same cycle.
#pragma HLS ARRAY_PARTITION variable = bn_s0 complete dim = 1
#pragma HLS ARRAY_PARTITION variable = bn_s1 complete dim = 1
#pragma HLS ARRAY_PARTITION variable = bn_s2 complete dim = 1
#pragma HLS ARRAY_PARTITION variable = bn_s3 complete dim = 1
#pragma HLS ARRAY_PARTITION variable = bn_nlw complete dim = 1
#pragma HLS ARRAY_PARTITION variable = bn_dead complete dim = 1
#pragma HLS ARRAY_PARTITION variable = bn_fire complete dim = 1
#pragma HLS ARRAY_PARTITION variable = bn_slot complete dim = 1
#pragma HLS ARRAY_PARTITION variable = bn_spikes complete dim = 1
    // The row needs up to 8 parents of one sample in one cycle: one bank per variable.
#pragma HLS ARRAY_PARTITION variable = bn_x complete dim = 1
#pragma HLS ARRAY_PARTITION variable = bn_x complete dim = 2
seed:
    for (uint32_t b = 0; b < BN_B; ++b) {
#pragma HLS PIPELINE II = 1
        // One sample per lane per cycle: the splitmix64 mixes are pipelined.
        for (uint32_t p = 0; p < BN_P; ++p) {
            const uint64_t s = first + (uint64_t)p * BN_B + b;
            const NpqRng st = npq_seed_stream(run.seed, (uint32_t)s);
            bn_s0[p][b] = st.s0;
            bn_s1[p][b] = st.s1;
            bn_s2[p][b] = st.s2;
            bn_s3[p][b] = st.s3;
            bn_nlw[p][b] = 0;
            bn_dead[p][b] = 0;
        }
    }

    // Step 1-2: ancestral sampling and log-weights, one variable at a time.
variables:
    for (uint32_t i = 0; i < run.n_vars; ++i) {
#pragma HLS LOOP_TRIPCOUNT max = 128
        const BnVar v = vars[i];
        // The variable's kind is fixed for the whole batch: one pipelined loop per kind.
        if (v.evidence) {
        evidence_batch:
            for (uint32_t b = 0; b < BN_B; ++b) {
#pragma HLS PIPELINE II = 1
            // Different samples per iteration: nlw and dead have no loop-carried dependence.
                for (uint32_t p = 0; p < BN_P; ++p) {
                    const uint32_t nl = table[p][v.base + bn_row(v, p, b)] & 0xFFFF;
                    bn_dead[p][b] |= nl == NPQ_NL_IMPOSSIBLE;
                    bn_nlw[p][b] += nl;
                    bn_x[p][i][b] = (uint8_t)v.state;
                }
            }
        } else {
        sampled_batch:
            for (uint32_t b = 0; b < BN_B; ++b) {
#pragma HLS PIPELINE II = 1
            // Consecutive iterations are different samples: the parents' x read here
            // were written at least a batch (B cycles) earlier.
                for (uint32_t p = 0; p < BN_P; ++p) {
                    const uint32_t u = bn_draw(p, b) >> 16;
                    const uint32_t at = v.base + bn_row(v, p, b) * v.width;
                    uint32_t k = 0;
                    // Inverse CDF: count the thresholds at or below u (all c-1 compared at once).
                    for (uint32_t j = 0; j < NPQ_BN_CARD_MAX - 1; ++j)
                        if (j < v.width) k += u >= table[p][at + j];
                    bn_x[p][i][b] = (uint8_t)k;
                }
            }
        }
    }

    // Step 3: firing thresholds; samples that cannot fire (or lie past S) skip the window.
    uint32_t live[BN_P];
#pragma HLS ARRAY_PARTITION variable = live complete
    uint32_t max_live = 0;
thresholds:
    for (uint32_t p = 0; p < BN_P; ++p) {
        uint32_t n_live = 0;
        for (uint32_t b = 0; b < BN_B; ++b) {
#pragma HLS PIPELINE II = 1
            // The packing index is a register: one sample per cycle.
            const bool in_run = first + (uint64_t)p * BN_B + b < run.samples;
            const uint32_t f = in_run ? bn_firing_threshold(bn_nlw[p][b], bn_dead[p][b], run) : 0;
            bn_spikes[p][b] = 0;
            if (f != 0) {
                // Pack live samples (state and F) to the front so the window loop skips the rest.
                bn_fire[p][n_live] = f;
                bn_slot[p][n_live] = (uint16_t)b;
                bn_s0[p][n_live] = bn_s0[p][b];
                bn_s1[p][n_live] = bn_s1[p][b];
                bn_s2[p][n_live] = bn_s2[p][b];
                bn_s3[p][n_live] = bn_s3[p][b];
                ++n_live;
            }
        }
        live[p] = n_live;
        max_live = n_live > max_live ? n_live : max_live;
    }

    // Step 4: the spiking window. Packed slot j holds the stream of sample slot[j].
    uint32_t n[BN_P][BN_B];
#pragma HLS ARRAY_PARTITION variable = n complete dim = 1
    // Each lane adds its own sample's spike in the same cycle.
    for (uint32_t p = 0; p < BN_P; ++p)
        for (uint32_t j = 0; j < BN_B; ++j) n[p][j] = 0;
window:
    for (uint32_t t = 0; t < run.window; ++t) {
#pragma HLS LOOP_TRIPCOUNT max = 1048576
    live_samples:
        for (uint32_t j = 0; j < max_live; ++j) {
#pragma HLS LOOP_TRIPCOUNT max = 32
#pragma HLS PIPELINE II = 1
            // Consecutive iterations draw from different streams: the one-cycle
            // xoshiro update is the only recurrence.
            for (uint32_t p = 0; p < BN_P; ++p) {
                uint32_t r;
                r = bn_draw(p, j);
                n[p][j] += (j < live[p]) & ((r >> 8) < bn_fire[p][j]);
            }
        }
    }
    for (uint32_t p = 0; p < BN_P; ++p)
        for (uint32_t j = 0; j < live[p]; ++j) bn_spikes[p][bn_slot[p][j]] = n[p][j];

    // Readout (§2.3): spike-weighted state counts, per lane.
readout:
    for (uint32_t i = 0; i < run.n_vars; ++i) {
#pragma HLS LOOP_TRIPCOUNT max = 128
        uint64_t acc[BN_P][BN_BANKS][NPQ_BN_CARD_MAX];
#pragma HLS ARRAY_PARTITION variable = acc complete dim = 0
        // Registers, in BN_BANKS interleaved banks: the same state recurs in consecutive
        // samples, and each bank's adder then has BN_BANKS cycles to finish.
        for (uint32_t p = 0; p < BN_P; ++p)
            for (uint32_t q = 0; q < BN_BANKS; ++q)
                for (uint32_t k = 0; k < NPQ_BN_CARD_MAX; ++k) acc[p][q][k] = 0;
        for (uint32_t b = 0; b < BN_B; ++b) {
#pragma HLS PIPELINE II = 1
            for (uint32_t p = 0; p < BN_P; ++p) acc[p][b % BN_BANKS][bn_x[p][i][b]] += bn_spikes[p][b];
        }
        for (uint32_t k = 0; k < NPQ_BN_CARD_MAX; ++k) {
#pragma HLS PIPELINE II = 1
            // acc is registers; each count address is written once per variable.
            for (uint32_t p = 0; p < BN_P; ++p) {
                uint64_t sum = 0;
                for (uint32_t q = 0; q < BN_BANKS; ++q) sum += acc[p][q][k];
                if (k <= vars[i].width) counts[p][vars[i].count_base + k] += sum;
            }
        }
    }
    for (uint32_t p = 0; p < BN_P; ++p)
        for (uint32_t b = 0; b < BN_B; ++b) total[p] += bn_spikes[p][b];
}

void bn_sampler(hls::stream<axis32_t>& in, hls::stream<axis32_t>& out, uint32_t* status) {
    // Frames on AXI4-Stream; STATUS (0x10) and ap_ctrl_hs on AXI4-Lite (spec §5).
#pragma HLS INTERFACE axis port = in
#pragma HLS INTERFACE axis port = out
#pragma HLS INTERFACE s_axilite port = status
#pragma HLS INTERFACE s_axilite port = return
    // Static: on chip in hardware, and off the stack natively.
    static BnVar vars[NPQ_BN_V_MAX];
    static uint32_t card[NPQ_BN_V_MAX];
    static uint32_t table[BN_P][NPQ_BN_TABLE_MAX];
    static uint64_t counts[BN_P][BN_COUNTS];
    // Each lane reads its own table copy every cycle; cyclic by 16 so that the
    // CARD_MAX-1 consecutive thresholds of a row sit in distinct banks.
#pragma HLS ARRAY_PARTITION variable = table complete dim = 1
#pragma HLS ARRAY_PARTITION variable = table cyclic factor = 16 dim = 2
    // Per-lane counts: lanes accumulate in parallel, summed once at the drain.
#pragma HLS ARRAY_PARTITION variable = counts complete dim = 1

    bool last = false;
    uint32_t op = 0;
    BnRun run;
    uint32_t st = npq_read_head(in, last, NPQ_MAGIC_BN, op);
    if (st == NPQ_STATUS_OK && op == NPQ_OP_RUN) st = bn_load(in, last, run, vars, card, table);
    if (st != NPQ_STATUS_OK) {
        npq_discard_rest(in, last);
        npq_write_head(out, st, 0);
        *status = st;
        return;
    }
    if (op == NPQ_OP_INFO) {
        const uint32_t info[NPQ_BN_INFO_WORDS] = {NPQ_SPEC_VERSION, BN_P, NPQ_BN_V_MAX, NPQ_BN_CARD_MAX,
                                                  NPQ_BN_PARENTS_MAX, NPQ_BN_TABLE_MAX, NPQ_BN_T_MAX};
        npq_write_head(out, NPQ_STATUS_OK, NPQ_BN_INFO_WORDS);
        for (uint32_t w = 0; w < NPQ_BN_INFO_WORDS; ++w) npq_write(out, info[w], w == NPQ_BN_INFO_WORDS - 1);
        *status = NPQ_STATUS_OK;
        return;
    }

clear:
    for (uint32_t c = 0; c < run.n_counts; ++c) {
#pragma HLS LOOP_TRIPCOUNT max = 2048
#pragma HLS PIPELINE II = 1
        // Lanes' count banks are separate memories: all cleared in one cycle.
        for (uint32_t p = 0; p < BN_P; ++p) counts[p][c] = 0;
    }
    uint64_t total[BN_P];
#pragma HLS ARRAY_PARTITION variable = total complete
    // One register per lane: lanes add their totals in the same cycle.
    for (uint32_t p = 0; p < BN_P; ++p) total[p] = 0;

groups:
    for (uint64_t first = 0; first < run.samples; first += (uint64_t)BN_P * BN_B) {
#pragma HLS LOOP_TRIPCOUNT max = 33554432
        bn_group(first, run, vars, table, counts, total);
    }

    npq_write_head(out, NPQ_STATUS_OK, 2 * (run.n_counts + 1));
drain:
    for (uint32_t c = 0; c < run.n_counts; ++c) {
#pragma HLS LOOP_TRIPCOUNT max = 2048
#pragma HLS PIPELINE II = 2
        // Two output words per count: the stream port takes one per cycle.
        uint64_t sum = 0;
        for (uint32_t p = 0; p < BN_P; ++p) sum += counts[p][c];
        npq_write_u64(out, sum, false);
    }
    uint64_t sum = 0;
    for (uint32_t p = 0; p < BN_P; ++p) sum += total[p];
    npq_write_u64(out, sum, true);
    *status = NPQ_STATUS_OK;
}
