// bn_sampler: importance sampling of a discrete Bayesian network with
// Poisson-spiking sample neurons (docs/spec.md §2, frames §4.2).
//
// The micro-architecture is the twin's (hw/rtl/bn_*.sv, docs/rtl.md; loop by loop
// in docs/hls.md). Load (frame -> descriptors with table-address strides, and a
// 16-bank table copy per lane pair), then rounds of P lanes x B samples, then the drain.
// Per round, one shared splitmix64 seeder fills the P*B streams (one per cycle);
// the variable loop issues one (variable, sample) slot per cycle in every lane and
// folds the previous round's spikes into the counts on the way (the readout rides
// on it, as in bn_lane.sv); the threshold loop computes every sample's Poisson
// bound and each lane's Poisson unit then runs its samples' windows in turn
// (bn_poisson.sv). In the issue loops a sample comes back B slots later, so every
// loop-carried dependence has distance B and nothing needs forwarding. Every sample owns its RNG stream
// (§1.2), so lanes and rounds never share state and the counts do not depend on P.
// DATAFLOW is not used: each phase needs the complete result of the one before.
//
// The native cpu build (NPQ_BN_DYNAMIC) has no limits of its own (spec §2.4): it
// reads the frame into a model allocated per frame. A model the micro-architecture
// holds (V, card, parents and TW within the NPQ_BN_* sizes) is copied into its arrays
// and runs the code above, as in hardware; any other (more than 16 states, hundreds of
// variables, large tables) runs bn_general, a plain per-sample loop with the same
// draws. The hardware builds compile neither.
#include "npq_kernels.h"
#include "npq_config.h"
#include "npq_constants.h"
#include "npq_frame.h"
#include "npq_luts.h"
#include "npq_rng.h"

#define BN_P NPQ_LANES
#define BN_B NPQ_BN_BATCH
#define BN_BANKS 16                               // table banks: >= CARD_MAX - 1 thresholds of a row
#define BN_XWORDS ((NPQ_BN_V_MAX + 15) / 16)      // 64-bit words of a sample's x, 4 bits per variable
#define BN_SIZE_SAT (1ull << 33)                  // a saturated slice size: beyond any TW and base + TW

#if (BN_B & (BN_B - 1)) != 0 || BN_B < 16
#error "NPQ_BN_BATCH must be a power of two >= 16 (it covers the pipeline's depth)"
#endif
#if NPQ_BN_CARD_MAX > BN_BANKS
#error "a table row must fit the 16 banks"
#endif
#if (BN_B * NPQ_BN_T_MAX) > 0xFFFFFFFF
#error "a round's per-state spike sum must fit 32 bits"
#endif

// An optimiser hint for the native builds only (no effect on what is computed):
// g++ keeps the loop it precedes rolled, and then vectorises it. Synthesis never
// sees it (it unrolls loops inside a pipelined loop, as it must).
#ifdef __SYNTHESIS__
#define NPQ_CPU_KEEP_LOOP
#else
#define NPQ_CPU_KEEP_LOOP _Pragma("GCC unroll 1")
#endif

// Table rows of 16 banks: TABLE_MAX rounded up to a power of two, so that a row
// index wraps instead of leaving the array (the twin's BDEPTH).
static constexpr uint32_t bn_pow2_at_least(uint32_t n) { return n <= 1 ? 1 : 2 * bn_pow2_at_least((n + 1) / 2); }
#define BN_TROWS (bn_pow2_at_least(NPQ_BN_TABLE_MAX) / BN_BANKS)

// Descriptor of one variable as the lanes use it (bn_base_pkg::var_desc_t).
struct BnVar {
    uint8_t evidence;                       // 1 if observed
    uint8_t state;                          // observed state
    uint8_t width;                          // card - 1 thresholds per row (sampled variables)
    uint8_t n_parents;
    uint16_t base;                          // first table word
    uint8_t parent[NPQ_BN_PARENTS_MAX];     // kernel indices
    // Table words per unit of each parent's state: the words of a row (card - 1, or 1
    // for evidence) times the cardinalities of the later parents (last fastest, §2.1).
    // The row's first word is base + sum(x[parent[j]] * stride[j]).
    uint16_t stride[NPQ_BN_PARENTS_MAX];
};

// Sums of negative log-weights: below 2^23 within the hardware's V <= 128; the cpu
// build's general path sums over any number of variables.
#if NPQ_BN_DYNAMIC
typedef uint64_t bn_sum_t;
#else
typedef uint32_t bn_sum_t;
#endif

struct BnRun {
    uint32_t n_vars, table_words, samples, window;
    uint16_t rmax;
    uint64_t seed;
    bn_sum_t offset;   // sum over evidence variables of min_r NL (§2.2 step 3)
    uint32_t n_counts; // sum of cardinalities
};

// Model (file scope: on chip in hardware, off the stack natively).
static BnVar bn_vars[NPQ_BN_V_MAX];
static uint8_t bn_card[NPQ_BN_V_MAX];
static uint16_t bn_rows[NPQ_BN_V_MAX];                        // rows of evidence variables (OFFSET pass)
// Word a of the table is bank a % 16, row a / 16 of each copy: the <= 15
// thresholds of a row are consecutive words, so in distinct banks (bn_lane.sv).
// Lanes 2m and 2m + 1 share copy m through the two ports of each bank (bn_table_pair.sv).
#define BN_COPIES ((BN_P + 1) / 2)
static uint32_t bn_table[BN_COPIES][BN_TROWS][BN_BANKS];
// One count memory for all lanes (bn_counts.sv): the lanes' per-state sums of a
// variable are added (a tree over P) before the word is read, added to and written.
static uint64_t bn_counts[NPQ_BN_V_MAX][BN_BANKS];            // at {variable, state}

// The lanes' held sums of state k: the adder tree of bn_counts.sv.
static inline uint64_t bn_lane_sum(const uint32_t held[BN_P][BN_BANKS], uint32_t k) {
    uint64_t sum = 0;
    for (uint32_t p = 0; p < BN_P; ++p) sum += held[p][k];
    return sum;
}

// Per-lane state of one round of sample neurons.
static uint32_t bn_s0[BN_P][BN_B], bn_s1[BN_P][BN_B], bn_s2[BN_P][BN_B], bn_s3[BN_P][BN_B];  // RNG per sample
// Sampled states, 4 bits per variable: sample b's row-wide word bn_x[p][b][*] is
// BN_XWORDS banks read at the same address, once per slot (the twin's x_mem reads
// 9 addresses per cycle; here the 8 parents and the readout pick from one word).
static uint64_t bn_x[BN_P][BN_B][BN_XWORDS];
static uint32_t bn_nlw[BN_P][BN_B];            // negative log-weight
static bool bn_dead[BN_P][BN_B];               // some evidence has probability 0
static uint64_t bn_lambda[BN_P][BN_B];         // Poisson window bound Λ (§2.2 step 4), < 2^37
static bool bn_live[BN_P][BN_B];               // F > 0: the sample's window draws
static uint32_t bn_spikes[BN_P][BN_B];         // n_s of the round (read by the next round's readout)

// Word a of a lane's table (one bank read per bank, then a 16:1 select).
static inline uint32_t bn_word(const uint32_t tbl[BN_TROWS][BN_BANKS], uint32_t a) {
    return tbl[(a / BN_BANKS) & (BN_TROWS - 1)][a % BN_BANKS];
}

// x * m for a 4-bit state x and a 16-bit stride: a 4 x 16-bit product in LUTs, as
// the twin's (bind_op keeps it off the DSPs; g++ keeps its one multiply).
static inline uint32_t bn_mul_state(uint32_t x, uint32_t m) {
    const uint32_t prod = (x & 0xF) * (m & 0xFFFF);
#pragma HLS BIND_OP variable = prod op = mul impl = fabric
    return prod;
}

static inline uint32_t bn_x_of(const uint64_t xw[BN_XWORDS], uint32_t v) {
    return (uint32_t)(xw[v / 16] >> (4 * (v % 16))) & 0xF;
}

#if NPQ_BN_DYNAMIC
#include <vector>
// A frame's model as read (spec §4.2): the general path's input, and what the
// micro-architecture's arrays are filled from when the model fits them.
struct BnModel {
    std::vector<uint32_t> card, n_parents, first_parent, evidence, state, base;   // per variable
    std::vector<uint32_t> parent;   // variable i's parents from first_parent[i], in descriptor order
    std::vector<uint64_t> stride;   // table words per unit of each parent's state (as BnVar::stride)
    std::vector<uint64_t> size;     // table words of each variable
    std::vector<uint32_t> table;    // masked to 17 bits, as the banks hold it
};
static BnModel bn_model;
#define BN_V_LIMIT NPQ_BN_UNBOUNDED
#define BN_CARD_LIMIT NPQ_BN_UNBOUNDED
#define BN_PARENTS_LIMIT NPQ_BN_UNBOUNDED
#define BN_TABLE_LIMIT NPQ_BN_UNBOUNDED
#else
#define BN_V_LIMIT NPQ_BN_V_MAX
#define BN_CARD_LIMIT NPQ_BN_CARD_MAX
#define BN_PARENTS_LIMIT NPQ_BN_PARENTS_MAX
#define BN_TABLE_LIMIT NPQ_BN_TABLE_MAX
#endif

// Reads V, TW, descriptors, table and run parameters; returns the first error.
static uint32_t bn_load(hls::stream<axis32_t>& in, bool& last, BnRun& run) {
    uint32_t st;
    run.n_vars = npq_read(in, last);
    st = npq_check(run.n_vars == 0 || run.n_vars > BN_V_LIMIT, NPQ_STATUS_LIMIT, last, false);
    if (st) return st;
    run.table_words = npq_read(in, last);
    st = npq_check(run.table_words == 0 || run.table_words > BN_TABLE_LIMIT, NPQ_STATUS_LIMIT,
                 last, false);
    if (st) return st;
#if NPQ_BN_DYNAMIC
    bn_model = BnModel();
#endif

    uint32_t n_counts = 0;
descriptors:
    for (uint32_t i = 0; i < run.n_vars; ++i) {
#pragma HLS LOOP_TRIPCOUNT max = 128
        // Word 0: card [15:0], n_parents [31:16]; word 1: evidence [31], state [15:0];
        // word 2: base; then one word per parent (spec §4.2).
        const uint32_t w0 = npq_read(in, last);
        const uint32_t c = w0 & 0xFFFF, n_par = w0 >> 16;
        bool bad = c == 0 || c > BN_CARD_LIMIT || n_par > BN_PARENTS_LIMIT;
        st = npq_check(bad, NPQ_STATUS_BAD_MODEL, last, false);
        if (st) return st;
        const uint32_t w1 = npq_read(in, last);
        const uint32_t ev = w1 >> 31, e = w1 & 0xFFFF;
        st = npq_check(ev && e >= c, NPQ_STATUS_BAD_MODEL, last, false);
        if (st) return st;
        const uint32_t base = npq_read(in, last);
        // Words of the variable's slice, saturating: one row, then times each parent's card.
        uint64_t size = ev ? 1 : c - 1;
        if (n_par == 0) {
            // The table-slice check belongs to the descriptor's last word.
            st = npq_check(base + size > run.table_words, NPQ_STATUS_BAD_MODEL, last, false);
            if (st) return st;
        } else {
            st = npq_check(false, NPQ_STATUS_OK, last, false);
            if (st) return st;
        }
#if NPQ_BN_DYNAMIC
        const uint32_t first = (uint32_t)bn_model.parent.size();
        bn_model.first_parent.push_back(first);
#endif
    parents:
        for (uint32_t j = 0; j < n_par; ++j) {
#pragma HLS LOOP_TRIPCOUNT max = 8
            const uint32_t parent = npq_read(in, last);
            bad = parent >= i;
#if NPQ_BN_DYNAMIC
            bn_model.parent.push_back(parent);
            bn_model.stride.push_back(0);
#else
            bn_vars[i].parent[j] = (uint8_t)parent;
#endif
            if (j + 1 == n_par && !bad) {
            strides:
                for (int q = (int)n_par - 1; q >= 0; --q) {
#pragma HLS LOOP_TRIPCOUNT max = 8
#if NPQ_BN_DYNAMIC
                    bn_model.stride[first + q] = size;   // used only if the slice fits
                    const uint64_t next = size * bn_model.card[bn_model.parent[first + q]];
#else
                    bn_vars[i].stride[q] = (uint16_t)size;
                    const uint64_t next = size * bn_card[bn_vars[i].parent[q]];
#endif
                    size = next > BN_SIZE_SAT ? BN_SIZE_SAT : next;
                }
                bad = base + size > run.table_words;
            }
            st = npq_check(bad, NPQ_STATUS_BAD_MODEL, last, false);
            if (st) return st;
        }
#if NPQ_BN_DYNAMIC
        bn_model.card.push_back(c);
        bn_model.n_parents.push_back(n_par);
        bn_model.evidence.push_back(ev);
        bn_model.state.push_back(e);
        bn_model.base.push_back(base);
        bn_model.size.push_back(size);
#else
        for (uint32_t j = n_par; j < NPQ_BN_PARENTS_MAX; ++j) {
            bn_vars[i].parent[j] = 0;
            bn_vars[i].stride[j] = 0;
        }
        bn_card[i] = (uint8_t)c;
        bn_rows[i] = (uint16_t)size;   // evidence: one word per row; fits TW after the check
        bn_vars[i].width = (uint8_t)(c - 1);
        bn_vars[i].evidence = (uint8_t)ev;
        bn_vars[i].state = (uint8_t)e;
        bn_vars[i].base = (uint16_t)base;
        bn_vars[i].n_parents = (uint8_t)n_par;
#endif
        n_counts += c;
    }
    run.n_counts = n_counts;

table:
    for (uint32_t w = 0; w < run.table_words; ++w) {
#pragma HLS LOOP_TRIPCOUNT max = 32768
#pragma HLS PIPELINE II = 1
        // One stream word per cycle, written to bank w % 16 of every lane's copy at once.
        const uint32_t value = npq_read(in, last) & 0x1FFFF;
#if NPQ_BN_DYNAMIC
        bn_model.table.push_back(value);
#else
        for (uint32_t m = 0; m < BN_COPIES; ++m) bn_table[m][w / BN_BANKS][w % BN_BANKS] = value;
#endif
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
    const uint32_t rmax = npq_read(in, last);
    st = npq_check(rmax == 0 || rmax > NPQ_BN_RMAX_MAX, NPQ_STATUS_BAD_PARAMS, last, false);
    if (st) return st;
    run.rmax = (uint16_t)rmax;
    npq_read(in, last);  // reserved
    st = npq_check(false, NPQ_STATUS_OK, last, true);
    if (st) return st;

    // OFFSET: the best possible sample fires at the maximum rate (§2.2 step 3).
    bn_sum_t offset = 0;
#if NPQ_BN_DYNAMIC
    for (uint32_t i = 0; i < run.n_vars; ++i) {
        if (!bn_model.evidence[i]) continue;
        uint32_t least = NPQ_NL_IMPOSSIBLE;
        for (uint64_t r = 0; r < bn_model.size[i]; ++r) {
            const uint32_t nl = bn_model.table[bn_model.base[i] + r] & 0xFFFF;
            least = nl < least ? nl : least;
        }
        offset += least;
    }
#else
offset_vars:
    for (uint32_t i = 0; i < run.n_vars; ++i) {
#pragma HLS LOOP_TRIPCOUNT max = 128
        if (!bn_vars[i].evidence) continue;
        const uint32_t rows = bn_rows[i], base = bn_vars[i].base;
        uint32_t least = NPQ_NL_IMPOSSIBLE;
    offset_rows:
        for (uint32_t r = 0; r < rows; ++r) {
#pragma HLS LOOP_TRIPCOUNT max = 32768
#pragma HLS PIPELINE II = 1
            // A running minimum over lane 0's copy: one word per cycle.
            const uint32_t nl = bn_word(bn_table[0], base + r) & 0xFFFF;
            least = nl < least ? nl : least;
        }
        offset += least;
    }
#endif
    run.offset = offset;
    return NPQ_STATUS_OK;
}

// Per-step firing threshold F of a sample with log-weight NLW (§2.2 step 3): one
// 16 x 24-bit product per lane (the twin's single DSP of a lane).
static inline uint32_t bn_firing_threshold(bn_sum_t nlw, bool dead, const BnRun& run) {
    const bn_sum_t d = nlw - run.offset;
    const bn_sum_t shift = d >> NPQ_NL_FRAC_BITS;
    if (dead || shift >= NPQ_FIRE_BITS) return 0;
    const uint64_t prod = (uint64_t)run.rmax * (NPQ_EXP2_LUT[d & (NPQ_EXP2_LUT_SIZE - 1)] & 0xFFFFFF);
    return (uint32_t)(prod >> (15 + shift));
}

static inline uint32_t bn_draw(uint32_t p, uint32_t b) {
    NpqRng s = {bn_s0[p][b], bn_s1[p][b], bn_s2[p][b], bn_s3[p][b]};
    const uint32_t r = npq_next(s);
    bn_s0[p][b] = s.s0;
    bn_s1[p][b] = s.s1;
    bn_s2[p][b] = s.s2;
    bn_s3[p][b] = s.s3;
    return r;
}

// One access to a table row (bn_lane.sv stage B/C): the words a0 ... a0 + 15 span
// two table rows, and bank j holds word k = (j - a0) mod 16 of them, in the lower
// row for j >= a0 mod 16, else in the next one. Each bank is read once (from the
// row pointer selected for it). Returns #{k < width : u >= word k} (the inverse
// CDF of a sampled variable, §2.2) and sets word0 to word 0 (an evidence
// variable's NL). g++ turns the loop into two masked 16-word vector loads and a
// blend, provided it does not first unroll it (hence NPQ_CPU_KEEP_LOOP).
static inline uint32_t bn_row_access(const uint32_t tbl[BN_TROWS][BN_BANKS], uint32_t a0, uint32_t width,
                                     uint32_t u, uint32_t& word0) {
    const uint32_t lo = a0 % BN_BANKS, row0 = (a0 / BN_BANKS) & (BN_TROWS - 1);
    const uint32_t* const lower = tbl[row0];
    const uint32_t* const upper = tbl[(row0 + 1) & (BN_TROWS - 1)];
    uint32_t passed = 0, first = 0;
    NPQ_CPU_KEEP_LOOP
    for (uint32_t j = 0; j < BN_BANKS; ++j) {
        const uint32_t k = (j - lo) % BN_BANKS;
        const uint32_t c = (j < lo ? upper : lower)[j];
        passed += (k < width) & (u >= c);
        first |= k == 0 ? c : 0;
    }
    word0 = first;
    return passed;
}

// Variable loop of one round (bn_lane.sv stages A-C). A perfect nest with its body
// in the inner loop: HLS flattens it into one pipeline of V*B slots at II = 1 (and
// g++ keeps the descriptor out of the inner loop). Slot (i, b) samples variable i
// of sample b (sample = true) and, for the readout of the previous round
// (readout = true), adds that round's n[b] to the sum of the state x[b][i] it is
// about to overwrite. A variable's per-state sums are held while the next variable
// runs and flushed to the count memory one state per slot (slots b < 16), as
// bn_lane.sv does; the first readout pass of the run (rfirst) writes instead of
// adding. The final pass after the last round has sample = false.
static void bn_variables(const BnRun& run, bool sample, bool readout, bool rfirst) {
    uint32_t acc[BN_P][BN_BANKS];    // per-state sums of variable i over the round
    uint32_t held[BN_P][BN_BANKS];   // those of variable i - 1, being flushed
#pragma HLS ARRAY_PARTITION variable = acc complete dim = 0
#pragma HLS ARRAY_PARTITION variable = held complete dim = 0
    for (uint32_t p = 0; p < BN_P; ++p)
        for (uint32_t k = 0; k < BN_BANKS; ++k) acc[p][k] = held[p][k] = 0;
variables:
    for (uint32_t i = 0; i < run.n_vars; ++i) {
#pragma HLS LOOP_TRIPCOUNT max = 128
    variable_slots:
      for (uint32_t b = 0; b < BN_B; ++b) {
#pragma HLS PIPELINE II = 1
        // Sample b's state is touched again B slots later (the next variable).
#pragma HLS DEPENDENCE variable = bn_x type = inter direction = RAW distance = BN_B true
#pragma HLS DEPENDENCE variable = bn_s0 type = inter direction = RAW distance = BN_B true
#pragma HLS DEPENDENCE variable = bn_s1 type = inter direction = RAW distance = BN_B true
#pragma HLS DEPENDENCE variable = bn_s2 type = inter direction = RAW distance = BN_B true
#pragma HLS DEPENDENCE variable = bn_s3 type = inter direction = RAW distance = BN_B true
#pragma HLS DEPENDENCE variable = bn_nlw type = inter direction = RAW distance = BN_B true
#pragma HLS DEPENDENCE variable = bn_dead type = inter direction = RAW distance = BN_B true
        // Each count word {i - 1, b} is read and written by one slot of the loop only.
#pragma HLS DEPENDENCE variable = bn_counts type = inter false
        const BnVar& v = bn_vars[i];
        const bool first = i == 0, last_slot = b == BN_B - 1;
        if (readout && !first && b < BN_BANKS)
            bn_counts[i - 1][b] = (rfirst ? 0 : bn_counts[i - 1][b]) + bn_lane_sum(held, b);
        for (uint32_t p = 0; p < BN_P; ++p) {
            uint64_t xw[BN_XWORDS];   // the sample's states: one read of a row-wide word
#pragma HLS ARRAY_PARTITION variable = xw complete
            for (uint32_t q = 0; q < BN_XWORDS; ++q) xw[q] = bn_x[p][b][q];
            if (readout) {
                // One adder per state (bn_lane.sv's acc); the sums move to held at the last slot.
                const uint32_t previous = bn_x_of(xw, i), spikes = bn_spikes[p][b];
                for (uint32_t k = 0; k < BN_BANKS; ++k) {
                    const uint32_t sum = acc[p][k] + (previous == k ? spikes : 0);
                    acc[p][k] = last_slot ? 0 : sum;
                    if (last_slot) held[p][k] = sum;
                }
            }
            if (!sample) continue;
            uint32_t a0 = v.base;
            for (uint32_t j = 0; j < NPQ_BN_PARENTS_MAX; ++j)
                if (j < v.n_parents) a0 += bn_mul_state(bn_x_of(xw, v.parent[j]), v.stride[j]);
            // Sampled variables draw u; both kinds read the row in the same single access.
            const uint32_t u = v.evidence ? 0 : bn_draw(p, b) >> 16;
            uint32_t word0;
            const uint32_t passed = bn_row_access(bn_table[p / 2], a0, v.width, u, word0);
            uint32_t x = passed;
            if (v.evidence) {
                // Evidence adds its NL to the log-weight (write enable of nlw and dead).
                const uint32_t nl = word0 & 0xFFFF;
                x = v.state;
                bn_nlw[p][b] = (first ? 0 : bn_nlw[p][b]) + nl;
                bn_dead[p][b] = (first ? false : bn_dead[p][b]) || nl == NPQ_NL_IMPOSSIBLE;
            } else if (first) {
                bn_nlw[p][b] = 0;
                bn_dead[p][b] = false;
            }
            const uint32_t sh = 4 * (i % 16);
            bn_x[p][b][i / 16] = (xw[i / 16] & ~((uint64_t)0xF << sh)) | ((uint64_t)x << sh);
        }
      }
    }
    if (!readout) return;
flush_last:
    for (uint32_t k = 0; k < BN_BANKS; ++k) {
#pragma HLS PIPELINE II = 1
        // The last variable's sums, one state per cycle (bn_lane.sv's flush, bn_counts.sv).
        bn_counts[run.n_vars - 1][k] = (rfirst ? 0 : bn_counts[run.n_vars - 1][k]) + bn_lane_sum(held, k);
    }
}

// NEGLOG2(r) of §2.2 step 4: -log2(r / 2^32) in Q16 from the leading zeros of r and
// the LOG2M_LUT entry of the 8 bits after its leading one (bn_lane.sv stages Q, S, R).
static inline uint32_t bn_neglog2(uint32_t r) {
    const uint32_t lz = r == 0 ? 32 : (uint32_t)__builtin_clz(r);
    const uint32_t m = lz >= 31 ? 0 : (uint32_t)(r << (lz + 1)) >> 24;
    return ((lz + 1) << 16) - NPQ_LOG2M_LUT[m];
}

// Spike window of one round. The threshold step (bn_lane.sv, stages B-G) computes
// every sample's Λ and whether it is live (F > 0); then each lane's Poisson unit
// (bn_poisson.sv) takes the lane's samples in turn: a live sample draws r, adds
// NEGLOG2(r) and stops when the sum reaches Λ, else counts a spike (up to T); a
// silent one (dead, F = 0 or past S) gets n = 0 and never draws. One iteration of
// `windows` is one cycle of every unit: it loads a sample or makes one draw. The
// round ends with its slowest lane.
static void bn_window(uint64_t first, const BnRun& run) {
    const uint64_t tk = (uint64_t)run.window * NPQ_LOG2E_Q16;   // T * log2(e), Q16: < 2^37
thresholds:
    for (uint32_t b = 0; b < BN_B; ++b) {
#pragma HLS PIPELINE II = 1
        for (uint32_t p = 0; p < BN_P; ++p) {
            const bool in_run = first + (uint64_t)p * BN_B + b < run.samples;
            const uint32_t fire = in_run ? bn_firing_threshold(bn_nlw[p][b], bn_dead[p][b], run) : 0;
            bn_lambda[p][b] = ((uint64_t)fire * tk) >> NPQ_FIRE_BITS;   // F < 2^24: < 2^61 before the shift
            bn_live[p][b] = fire != 0;
        }
    }
    // Per unit: the sample it works on, whether that one's window is open, its stream,
    // sum and count.
    uint32_t ub[BN_P], un[BN_P];
    bool uopen[BN_P];
    uint64_t uacc[BN_P];
    NpqRng ust[BN_P];
#pragma HLS ARRAY_PARTITION variable = ub complete
#pragma HLS ARRAY_PARTITION variable = un complete
#pragma HLS ARRAY_PARTITION variable = uopen complete
#pragma HLS ARRAY_PARTITION variable = uacc complete
#pragma HLS ARRAY_PARTITION variable = ust complete
    for (uint32_t p = 0; p < BN_P; ++p) {
        ub[p] = 0;
        uopen[p] = false;
    }
    bool busy = true;
windows:
    while (busy) {
#pragma HLS LOOP_TRIPCOUNT max = 1048576
#pragma HLS PIPELINE II = 1
        busy = false;
        for (uint32_t p = 0; p < BN_P; ++p) {
            const uint32_t b = ub[p];
            if (b == BN_B) continue;
            busy = true;
            if (!uopen[p]) {
                // Load: a silent sample is done at once, a live one opens its window.
                if (!bn_live[p][b]) {
                    bn_spikes[p][b] = 0;
                    ub[p] = b + 1;
                } else {
                    ust[p].s0 = bn_s0[p][b];
                    ust[p].s1 = bn_s1[p][b];
                    ust[p].s2 = bn_s2[p][b];
                    ust[p].s3 = bn_s3[p][b];
                    uacc[p] = 0;
                    un[p] = 0;
                    uopen[p] = true;
                }
                continue;
            }
            const uint64_t acc = uacc[p] + bn_neglog2(npq_next(ust[p]));
            const bool spike = acc < bn_lambda[p][b];
            const uint32_t n = un[p] + spike;
            uacc[p] = acc;
            un[p] = n;
            if (!spike || n == run.window) {
                bn_spikes[p][b] = n;
                ub[p] = b + 1;
                uopen[p] = false;
            }
        }
    }
}

#if NPQ_BN_DYNAMIC
// Whether the micro-architecture's arrays hold the model: then bn_stage copies it in.
static bool bn_fits_arrays(const BnRun& run) {
    if (run.n_vars > NPQ_BN_V_MAX || run.table_words > NPQ_BN_TABLE_MAX) return false;
    for (uint32_t i = 0; i < run.n_vars; ++i)
        if (bn_model.card[i] > NPQ_BN_CARD_MAX || bn_model.n_parents[i] > NPQ_BN_PARENTS_MAX) return false;
    return true;
}

// The arrays bn_load fills in the hardware builds, from the model.
static void bn_stage(const BnRun& run) {
    for (uint32_t i = 0; i < run.n_vars; ++i) {
        BnVar& v = bn_vars[i];
        v.evidence = (uint8_t)bn_model.evidence[i];
        v.state = (uint8_t)bn_model.state[i];
        v.width = (uint8_t)(bn_model.card[i] - 1);
        v.n_parents = (uint8_t)bn_model.n_parents[i];
        v.base = (uint16_t)bn_model.base[i];
        for (uint32_t j = 0; j < NPQ_BN_PARENTS_MAX; ++j) {
            const bool used = j < v.n_parents;
            v.parent[j] = used ? (uint8_t)bn_model.parent[bn_model.first_parent[i] + j] : 0;
            v.stride[j] = used ? (uint16_t)bn_model.stride[bn_model.first_parent[i] + j] : 0;
        }
        bn_card[i] = (uint8_t)bn_model.card[i];
        bn_rows[i] = (uint16_t)bn_model.size[i];
    }
    for (uint32_t w = 0; w < run.table_words; ++w)
        for (uint32_t m = 0; m < BN_COPIES; ++m) bn_table[m][w / BN_BANKS][w % BN_BANKS] = bn_model.table[w];
}

// The general path: §2.2 and §2.3 sample by sample, for any model. Counts of
// variable i start at count_at[i]; the RUN payload follows.
static void bn_general(const BnRun& run, hls::stream<axis32_t>& out) {
    const uint32_t n = run.n_vars;
    std::vector<uint64_t> count_at(n), counts(run.n_counts, 0);
    for (uint32_t i = 1; i < n; ++i) count_at[i] = count_at[i - 1] + bn_model.card[i - 1];
    std::vector<uint32_t> x(n);
    const uint32_t* const table = bn_model.table.data();
    uint64_t total = 0;
    for (uint64_t s = 0; s < run.samples; ++s) {
        NpqRng rng = npq_seed_stream(run.seed, (uint32_t)s);
        bn_sum_t nlw = 0;
        bool dead = false;
        for (uint32_t i = 0; i < n; ++i) {
            uint64_t a0 = bn_model.base[i];
            const uint32_t first = bn_model.first_parent[i];
            for (uint32_t j = 0; j < bn_model.n_parents[i]; ++j)
                a0 += x[bn_model.parent[first + j]] * bn_model.stride[first + j];
            if (bn_model.evidence[i]) {
                const uint32_t nl = table[a0] & 0xFFFF;
                nlw += nl;
                dead |= nl == NPQ_NL_IMPOSSIBLE;
                x[i] = bn_model.state[i];
            } else {
                // x = #{k < card - 1 : u >= C[row][k]} (every sampled variable draws).
                const uint32_t u = npq_next(rng) >> 16, width = bn_model.card[i] - 1;
                const uint32_t* const row = table + a0;
                uint32_t passed = 0;
                for (uint32_t k = 0; k < width; ++k) passed += u >= row[k];
                x[i] = passed;
            }
        }
        const uint32_t fire = bn_firing_threshold(nlw, dead, run);
        if (fire == 0) continue;   // no spikes: its remaining draws change nothing
        // The Poisson window (§2.2 step 4).
        const uint64_t lambda = ((uint64_t)fire * run.window * NPQ_LOG2E_Q16) >> NPQ_FIRE_BITS;
        uint64_t acc = 0;
        uint32_t spikes = 0;
        while (spikes < run.window) {
            acc += bn_neglog2(npq_next(rng));
            if (acc >= lambda) break;
            ++spikes;
        }
        if (spikes == 0) continue;
        for (uint32_t i = 0; i < n; ++i) counts[count_at[i] + x[i]] += spikes;
        total += spikes;
    }
    npq_write_head(out, NPQ_STATUS_OK, 2 * (run.n_counts + 1));
    for (uint32_t c = 0; c < run.n_counts; ++c) npq_write_u64(out, counts[c], false);
    npq_write_u64(out, total, true);
}
#endif

void bn_sampler(hls::stream<axis32_t>& in, hls::stream<axis32_t>& out, uint32_t* status) {
    // Frames on AXI4-Stream; STATUS (0x10) and ap_ctrl_hs on AXI4-Lite (spec §5).
#pragma HLS INTERFACE axis port = in
#pragma HLS INTERFACE axis port = out
#pragma HLS INTERFACE s_axilite port = status
#pragma HLS INTERFACE s_axilite port = return
    // A descriptor is one wide word, read once per slot.
#pragma HLS AGGREGATE variable = bn_vars
    // Each lane reads its pair's table copy every cycle, one read per bank and lane:
    // a bank's two ports serve the pair's two lanes (the writes are in the `table` loop).
#pragma HLS ARRAY_PARTITION variable = bn_table complete dim = 1
#pragma HLS ARRAY_PARTITION variable = bn_table complete dim = 3
#if NPQ_BN_TABLE_URAM
#pragma HLS BIND_STORAGE variable = bn_table type = ram_t2p impl = uram
#else
#pragma HLS BIND_STORAGE variable = bn_table type = ram_t2p impl = bram
#endif
    // Per-lane sample state: every lane touches its own entry in the same cycle.
#pragma HLS ARRAY_PARTITION variable = bn_s0 complete dim = 1
#pragma HLS ARRAY_PARTITION variable = bn_s1 complete dim = 1
#pragma HLS ARRAY_PARTITION variable = bn_s2 complete dim = 1
#pragma HLS ARRAY_PARTITION variable = bn_s3 complete dim = 1
#pragma HLS ARRAY_PARTITION variable = bn_nlw complete dim = 1
#pragma HLS ARRAY_PARTITION variable = bn_dead complete dim = 1
#pragma HLS ARRAY_PARTITION variable = bn_lambda complete dim = 1
#pragma HLS ARRAY_PARTITION variable = bn_live complete dim = 1
#pragma HLS ARRAY_PARTITION variable = bn_spikes complete dim = 1
    // A sample's x is one row-wide word (BN_XWORDS banks read at the same address).
#pragma HLS ARRAY_PARTITION variable = bn_x complete dim = 1
#pragma HLS ARRAY_PARTITION variable = bn_x complete dim = 3

    bool last = false;
    uint32_t op = 0;
    BnRun run;
    uint32_t st = npq_read_head(in, last, NPQ_MAGIC_BN, op);
    if (st == NPQ_STATUS_OK && op == NPQ_OP_RUN) st = bn_load(in, last, run);
    if (st != NPQ_STATUS_OK) {
        npq_discard_rest(in, last);
        npq_write_head(out, st, 0);
        *status = st;
        return;
    }
    if (op == NPQ_OP_INFO) {
        const uint32_t info[NPQ_BN_INFO_WORDS] = {NPQ_SPEC_VERSION, BN_P, BN_V_LIMIT, BN_CARD_LIMIT,
                                                  BN_PARENTS_LIMIT, BN_TABLE_LIMIT, NPQ_BN_T_MAX};
        npq_write_head(out, NPQ_STATUS_OK, NPQ_BN_INFO_WORDS);
        for (uint32_t w = 0; w < NPQ_BN_INFO_WORDS; ++w) npq_write(out, info[w], w == NPQ_BN_INFO_WORDS - 1);
        *status = NPQ_STATUS_OK;
        return;
    }

#if NPQ_BN_DYNAMIC
    if (!bn_fits_arrays(run)) {
        bn_general(run, out);
        *status = NPQ_STATUS_OK;
        return;
    }
    bn_stage(run);
#endif
rounds:
    for (uint64_t first = 0; first < run.samples; first += (uint64_t)BN_P * BN_B) {
#pragma HLS LOOP_TRIPCOUNT max = 33554432
    seed:
        for (uint32_t m = 0; m < BN_P * BN_B; ++m) {
#pragma HLS PIPELINE II = 1
            // One splitmix64 seeder shared by the lanes (npq_stream_seed.sv): one
            // stream per cycle, written to the lane and slot its id names.
            const NpqRng s = npq_seed_stream(run.seed, (uint32_t)(first + m));
            const uint32_t p = m / BN_B, b = m % BN_B;
            bn_s0[p][b] = s.s0;
            bn_s1[p][b] = s.s1;
            bn_s2[p][b] = s.s2;
            bn_s3[p][b] = s.s3;
        }
        // The readout of round j - 1 rides on round j's variable loop; the first one
        // of the run writes the counts (no clearing pass).
        bn_variables(run, true, first != 0, first == (uint64_t)BN_P * BN_B);
        bn_window(first, run);
    }
    bn_variables(run, false, true, run.samples <= (uint64_t)BN_P * BN_B);   // readout of the last round

    // total = sum of variable 0's counts: every sample has one state of it (bn_drain.sv).
    uint64_t total = 0;
    npq_write_head(out, NPQ_STATUS_OK, 2 * (run.n_counts + 1));
    uint32_t i = 0, k = 0;
drain:
    for (uint32_t c = 0; c < run.n_counts; ++c) {
#pragma HLS LOOP_TRIPCOUNT max = 2048
#pragma HLS PIPELINE II = 2
        // Two output words per count: the stream port takes one per cycle.
        const uint64_t sum = bn_counts[i][k];
        if (i == 0) total += sum;
        npq_write_u64(out, sum, false);
        if (++k == bn_card[i]) {
            k = 0;
            ++i;
        }
    }
    npq_write_u64(out, total, true);
    *status = NPQ_STATUS_OK;
}
