// The field engine of bm_sampler (spec §3.2, §3.3): one neuron update per cycle
// (docs/design/bm_throughput.md §2). Same ports as bm_core, so the top picks either.
//
// Every neuron's field u_i = b_i + sum_j W_ij z_j lives in a register (exact integer
// sums). When neuron j is decided, Δ_j = z_new - z_old in {-1, 0, 1} times column j
// (W_ij for every i, one wide read of the column memory) is added to all fields, so
// the next neuron needs only its own field. The spike rule is taken in its threshold
// form: SIGMOID_LUT is non-decreasing, so with m = #{i : SIGMOID[i] <= r >> 8},
// fire <=> m = 0, or m < 1024 and u >= LNTAU[tau] + 16 (m - 512). m depends on the
// draw only and is found by a pipelined binary search long before u is needed.
//
// Ops flow down a fixed pipeline, one per cycle (or a bubble): s1 zeta/RNG read,
// s2 and s3 the draw (two registered halves), s4..s15 search, R0 = s15 and R1 = s16
// field read, R1 threshold, R2 = s17
// and R3 = s18 corrections, D = s19 decision, A = s20 column added, zeta and counts
// written (the column read issued in R3). The field's 256:1 select is split in two
// registered halves: a 16:1 inside each group of 16 rows (next to the group's fields,
// adders and column-bus slices), then a 16:1 over the groups, so no wire gathers the
// fields across the device. R0 takes each group's candidate field with the add of the
// op then in A (its Δ and column known), so the field in R1 lacks the adds of the four
// ops ahead (in R2, R3, D and A then). Their weights W[k][j] come from the correction
// table, not the column bus: after the colour check, C_CORR writes for every schedule
// position p and distance d = 1..4 the weight W[k_p][k_(p-d) mod F] (F positions),
// read through the field's own selects. An op ahead that can add a column (a DECIDE
// or an APPLY) at position q is d = (p - q) mod F positions back, d <= its distance
// in ops (a colour's neurons add in schedule order, the deferred ones' APPLY ops after
// the colour's decides); the BIAS and INIT ops, which have no position, are kept five
// ops or more ahead of the first DECIDE. R0 reads the table at the op's position, R1
// picks each op ahead's weight by its d, R2 adds those of the ops in A and D times
// their Δ (the one in A known in R1, the one in D a cycle later), R3 adds the next one
// and subtracts θ, and D adds the last one (the op then in A) while it decides: the
// decision loop is a three-way select of the signs of three sums taken from
// registers (docs/rtl.md). Kinds of op: DECIDE (a neuron
// update; it adds its own column only when it is alone in its colour), APPLY (the
// deferred add of a neuron of a colour of several, after all of them were decided:
// the simultaneous rule of spec §3.1 for any order), INIT (a neuron's column if it is
// on at the start) and BIAS (the bias column, kept at column address N_MAX). Before
// the sweeps, C_CHECK reads the columns of every colour of several neurons: when no
// weight joins two of them (a proper colouring, what the host sends) sequential adds
// equal the simultaneous rule and the colour needs no APPLY ops.
module bm_field_core #(
  parameter int unsigned N_MAX = 256
) (
  input  logic                       clk_i,
  input  logic                       rst_ni,
  input  logic [$clog2(N_MAX):0]     n_i,
  input  logic [$clog2(N_MAX):0]     free_i,
  input  logic [7:0]                 tau_i,
  input  logic [63:0]                seed_i,
  input  logic [31:0]                sweeps_i,
  input  logic [31:0]                burn_in_i,
  input  logic [31:0]                thin_i,
  input  logic                       record_i,
  input  logic [N_MAX-1:0]           z_init_i,
  input  logic                       init_i,
  input  logic                       iw_we_i,
  /* verilator lint_off UNUSEDSIGNAL */
  input  logic [$clog2(N_MAX)-1:0]   iw_addr_i,
  /* verilator lint_on UNUSEDSIGNAL */
  input  logic [31:0]                iw_data_i,
  input  logic                       w_we_i,
  input  logic [$clog2(N_MAX)-1:0]   w_row_i,
  input  logic [$clog2(N_MAX)-1:0]   w_col_i,
  input  logic [15:0]                w_data_i,
  input  logic                       b_we_i,
  input  logic [$clog2(N_MAX)-1:0]   b_addr_i,
  input  logic [15:0]                b_data_i,
  input  logic                       s_we_i,
  input  logic [$clog2(N_MAX)-1:0]   s_addr_i,
  input  logic                       s_cs_i,
  input  logic [$clog2(N_MAX)-1:0]   s_k_i,
  input  logic                       start_i,
  output logic                       done_o,
  output logic                       sweep_end_o,
  output logic                       o_valid_o,
  output logic [31:0]                o_data_o,
  output logic                       o_last_o,
  input  logic                       o_ready_i
);
  import npq_pkg::*;

  localparam int unsigned KW     = $clog2(N_MAX);
  localparam int unsigned UW     = 16 + KW + 1;     // |u| <= (N + 1) * 2^15
  localparam int unsigned GROUPS = N_MAX / 4;       // column banks of 4 rows (64 bits)
  // s2, s3: the draw, a register between its halves; s4..s15: the threshold search
  // (bm_threshold_search, 12 cycles from x to m); R1: the threshold θ (theta_q)
  localparam int unsigned S_R0   = 15;              // group candidates of the field, W
  localparam int unsigned S_R1   = 16;              // field read; column read issued
  localparam int unsigned S_R2   = 17;              // ops c-4, c-3 added
  localparam int unsigned S_R3   = 18;              // op c-2 added, θ subtracted
  localparam int unsigned S_D    = 19;              // correction of op c-1, decision
  localparam int unsigned S_A    = 20;              // column add, writes
  // the two halves of a select: GL index bits inside a group of GS rows, NG groups
  localparam int unsigned GL     = KW / 2;
  localparam int unsigned GS     = 1 << GL;
  localparam int unsigned NG     = N_MAX / GS;
  localparam int unsigned SIG_N  = 1024;

  typedef enum logic [1:0] {K_DECIDE, K_APPLY, K_INIT, K_BIAS} kind_e;
  typedef enum logic [3:0] {C_IDLE, C_INIT, C_CHECK, C_CORR, C_RUN, C_RECWAIT, C_RECOUT,
    C_DRAIN, C_OUT, C_FINAL} state_e;
  typedef enum logic [1:0] {P_BIAS, P_INIT, P_SWEEP} phase_e;
  state_e state_q;
  phase_e phase_q;

  // ---------------------------------------------------------------- per-neuron memories
  logic [7:0]         zeta_mem  [N_MAX];
  logic [127:0]       rng_mem   [N_MAX];
  logic [31:0]        spike_mem [N_MAX];
  logic [31:0]        on_mem    [N_MAX];
  logic [31:0]        init_mem  [N_MAX / 4];
  logic               sched_cs  [N_MAX];
  logic               sched_ce  [N_MAX];   // position p + 1 starts a colour (sched_cs[p + 1])
  logic [KW-1:0]      sched_k   [N_MAX];
  logic [N_MAX-1:0]   free_mask_q;       // scheduled (free) neurons of this run
  logic [N_MAX-1:0]   z_live_q;          // z as decided so far
  logic [N_MAX-1:0]   changed_q;         // a deferred neuron's z changed in its colour
  // C_INIT and C_OUT visit the neurons in order: shift registers hand them neuron by
  // neuron (bit 0) where a 256:1 select by the index was the slowest path of either.
  // C_OUT's are loaded in every other state (the last load is C_DRAIN's last cycle, the
  // pipeline empty) and shift in phase 0 of each word: their enables are a decode of
  // state registers, not the drain's v_p test or the stream's ready (11.9 ns routed)
  logic [N_MAX-1:0]   init_z_sh_q;       // z_init_i, from neuron idx_q on (C_INIT)
  logic [N_MAX-1:0]   out_z_sh_q;        // z_live_q, from neuron out_k_q on (C_OUT)
  logic [N_MAX-1:0]   out_free_sh_q;     // free_mask_q, likewise
  logic               sched_ok  [N_MAX]; // at a colour's start position: no weight between
                                         // two of its neurons, so sequential adds are exact
                                         // (LUT-RAM beside sched_k: the issue's lookup reads
                                         // it like the others, not through a 256:1 select)

  logic [KW:0]  state_words_q;          // ⌈N/32⌉ (N is constant during a run)
  // N - 1, N + 3 and N + SEED_LATENCY, registered: the compares with them are equalities
  // or one compare, not an adder then a compare (the frame check refuses N = 0)
  logic [KW:0]  n_m1_q, n_p3_q, n_seed_q;
  logic [15:0] lntau_q;                  // LNTAU[τ] (τ is constant during a run)
  logic signed [UW-1:0] lt_q;            // LNTAU[τ] - 8192: θ's constant part
  logic        init_end_q;
  logic [KW:0] free_m1_q;                // free_i - 1: the last schedule position

  // ---------------------------------------------------------------- seeding
  logic         seed_valid, seeded_valid;
  logic [31:0]  seed_id;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [31:0]  seeded_id;
  /* verilator lint_on UNUSEDSIGNAL */
  logic [127:0] seeded_state;

  npq_stream_seed u_seed (
    .clk_i, .rst_ni,
    .valid_i(seed_valid), .seed_i(seed_i), .id_i(seed_id),
    .valid_o(seeded_valid), .id_o(seeded_id), .state_o(seeded_state)
  );

  // ---------------------------------------------------------------- pipeline registers
  // Stage s of an op is index s (1..S_A); stage 0 is the issue.
  logic [S_A:1]            v_p;
  logic [S_A:1][1:0]       kind_p;
  logic [S_A:1][KW-1:0]    k_p;
  logic [S_A:1]            own_p;      // a DECIDE that adds its own column (colour of one)
  logic [S_A:1]            cnt_p;      // after burn-in: spikes count
  logic [S_A:1]            rec_p;      // a recorded sweep: the on count takes z_new
  logic [S_R2:1][KW-1:0]   pos_p;      // a DECIDE's or APPLY's schedule position
  logic [S_R3:3][7:0]      zeta_p;     // ζ as read (zeta_rd_q is stage 2's)
  logic                    always_q, never_q;
  logic signed [UW-1:0]    theta_q, theta_3_q;
  logic                    always_3_q, never_3_q;
  // the group candidates of the field (R0 for R1), with the add of the op in A
  logic [NG-1:0][UW-1:0]   pu_q;
  logic [127:0]            rng2_q, rngw_q;
  logic                    rngw_en_q;
  logic [KW-1:0]           rngw_k_q;
  logic [7:0]              zeta_rd_q;
  logic [UW-1:0]           f1_q;       // R2: the field as read in R1 (adds up to op c-5)
  logic signed [15:0]      w4_q, w3_q; // R2: W[k][j] of the ops four and three ahead
  logic                    e4_en_q, e4_neg_q;   // R2: Δ of the op four ahead
  logic [UW-1:0]           f2_q;       // R3: the field corrected for ops c-4 and c-3
  logic signed [15:0]      w2_q;       // R3: W[k][j] of the op two ahead
  logic [UW-1:0]           g_q;        // D: the field corrected for ops c-4..c-2, minus θ
  logic signed [15:0]      c1_q;       // D: W[k][j] of the op one ahead
  logic signed [15:0]      w2r_q, c1r_q, c1s_q;   // the last two, picked in R1
  // D: the op's outcomes from R3, [1] when the sign select says fire, [0] when not
  // (m = 0 and m = 1024 folded in): Δ enable, z_new, z changed, spike, ζ written
  logic [1:0]              xen_q, xz_q, xch_q, xspk_q;
  logic [1:0][7:0]         xzeta_q;
  logic                    xneg_q;     // D: Δ's sign (z_old, or an APPLY/INIT op's)
  // D, then A: a DECIDE's neuron as two one-hot halves of its index (from R3), so that
  // the enables of its z_live and changed bits come from registers (a LUT2 each); the
  // bits are written in A from the decision's registers (znew_a_q, ch_a_q), so the
  // decision's fan-out is a few registers, not 512 bits
  logic [(1 << (KW - KW / 2))-1:0] dw_hi_q, wa_hi_q;
  logic [(1 << (KW / 2))-1:0]      dw_lo_q, wa_lo_q;
  logic                    ch_a_q;     // A: the decided neuron's z changed
  logic                    byp_q;      // R3: the op in A decides this op's neuron
  // R3: the z and change bits of the op's neuron, a 256:1 select in two halves like
  // the field's: the group candidates zc_q, cc_q registered in R2 (from the bits as
  // they are then), so a write in A during R2 is taken from A's registers a cycle
  // later (byp2_q, znew_b_q, ch_b_q), one during R3 as before (byp_q)
  logic [NG-1:0]           zc_q, cc_q;
  logic [KW-GL-1:0]        g1z_q;      // R3: the second half's group index
  logic                    byp2_r_q, byp2_q, znew_b_q, ch_b_q;
  logic                    dA_en_q, dA_neg_q;   // Δ of the op in A
  logic [7:0]              zeta_a_q;
  logic                    spike_a_q, znew_a_q;
  logic [31:0]             spike_rd_q, on_rd_q;

  // ---------------------------------------------------------------- column memory
  // Bank g holds rows 4g..4g+3 of every column, 16 bits each, at address j (column j)
  // or N_MAX (the biases). A read returns the whole column: N_MAX weights.
  // The banks' output is the op in R3's column (read in R2); colA_q: the op in D's, a
  // register beside each bank (the quarter selects take their weights from it);
  // colB_q: the op in A's, next to the fields' adders. The block RAMs' clock-to-output
  // and the wire across the device were one cycle before (11.0 ns routed).
  logic [N_MAX-1:0][15:0]  colA_q, colB_q;
  // A load's write is registered (its address, data and each bank's slice enables), so
  // the block RAMs' pins see registers, not the front end's selects. A load and a read
  // are never needed together (the run's first read is many cycles after the load's
  // last write), so a bank has one address: the load's column while writing, else the
  // read's. Three register stages: the address selected (ca_q, near the schedule's
  // LUT-RAM that C_CHECK's column comes from), a copy per BPM second-stage copies
  // (ca_m_q), then a copy per BPC banks next to them (each drives 2 BPC block RAMs'
  // address pins, not 128 across the device; the copies once took the select's output
  // directly, which put the LUT-RAM's read in front of that wire, and one register
  // drove the 16 copies across the device: 11.8 ns routed). The write's data has copies
  // in the same stages, and its slice enables are decoded from a registered row (two one-hot halves) in the
  // third. The read's address enters the first stage three cycles ahead: the op in s14
  // (it reads in R2), or in C_CHECK or C_CORR the column of the cycle before
  // (chk_k1_q: the schedule's LUT-RAM read registered, not in front of the select);
  // those passes use only their reads, and no op reaches R2 within 16 cycles of them.
  localparam int unsigned BPC = 4;
  localparam int unsigned NAC = GROUPS / BPC;
  localparam int unsigned BPM = 4;
  localparam int unsigned NAM = NAC > BPM ? NAC / BPM : 1;
  logic [KW:0]             ca_q;             // the banks' address, first stage
  logic [15:0]             cw_data_q;
  logic                    cw_we_q;
  logic [KW-1:0]           cw_row_q;
  // the written row as two one-hot halves (none while not writing): a slice enable is
  // a LUT of two of them, not an 8-bit compare behind one register per bit (11.7 ns)
  logic [(1 << (KW - KW / 2))-1:0] cw_hi_q;
  logic [(1 << (KW / 2))-1:0]      cw_lo_q;
  logic [NAM-1:0][KW:0]    ca_m_q;           // second stage: a copy per BPM of the third
  logic [NAM-1:0][15:0]    cwd_m_q;
  logic [NAC-1:0][KW:0]    ca_c_q;           // third stage: a copy per BPC banks
  logic [NAC-1:0][15:0]    cwd_c_q;
  logic [N_MAX-1:0]        cw_en_q;          // row i's slice written
  logic [KW-1:0]           chk_k, chk_k1_q;  // C_CHECK: the column to test (registered)
  always_ff @(posedge clk_i) begin
    ca_q       <= w_we_i || b_we_i ? (b_we_i ? (KW+1)'(N_MAX) : {1'b0, w_col_i})
                : state_q == C_CHECK || state_q == C_CORR ? {1'b0, chk_k1_q}
                : kind_p[S_R0-1] == K_BIAS ? (KW+1)'(N_MAX) : {1'b0, k_p[S_R0-1]};
    cw_data_q  <= b_we_i ? b_data_i : w_data_i;
    cw_we_q    <= w_we_i || b_we_i;
    cw_row_q   <= b_we_i ? b_addr_i : w_row_i;
    cw_hi_q    <= '0;
    cw_lo_q    <= '0;
    cw_hi_q[cw_row_q[KW-1:KW/2]] <= cw_we_q;
    cw_lo_q[cw_row_q[KW/2-1:0]]  <= 1'b1;
    for (int i = 0; i < N_MAX; i++)
      cw_en_q[i] <= cw_hi_q[i >> (KW / 2)] && cw_lo_q[i % (1 << (KW / 2))];
  end
  for (genvar m = 0; m < NAM; m++) begin : g_amid
    (* keep *) always_ff @(posedge clk_i) begin
      ca_m_q[m]  <= ca_q;
      cwd_m_q[m] <= cw_data_q;
    end
  end
  for (genvar c = 0; c < NAC; c++) begin : g_acopy
    (* keep *) always_ff @(posedge clk_i) begin
      ca_c_q[c]  <= ca_m_q[c / BPM];
      cwd_c_q[c] <= cwd_m_q[c / BPM];
    end
  end

  // A read while the same bank is written is never used (a load and a read are never
  // needed together), so its result is a don't-care: no_rw_check (yosys) and
  // rw_addr_collision = "no" (Vivado) let the block RAMs run without the read-first
  // emulation yosys otherwise builds in the fabric (a register and a select on every
  // one of the 4096 output bits, behind a compare of the addresses: 13.5 ns routed).
  for (genvar g = 0; g < GROUPS; g++) begin : g_bank
    (* no_rw_check, rw_addr_collision = "no" *) logic [63:0] mem [2 * N_MAX];
    logic [63:0] rd_q;
    always_ff @(posedge clk_i) begin
      for (int s = 0; s < 4; s++) begin
        if (cw_en_q[4 * g + s]) mem[ca_c_q[g / BPC]][16 * s +: 16] <= cwd_c_q[g / BPC];
      end
      rd_q <= mem[ca_c_q[g / BPC]];
    end
    always_ff @(posedge clk_i) colA_q[4 * g +: 4] <= rd_q;
  end

  // ---------------------------------------------------------------- fields
  logic [N_MAX-1:0][UW-1:0] u_q;
  logic                     u_clear;

  // u + Δ·w in one carry chain: w inverted when Δ = -1, the +1 of the negation entering
  // as the carry in below bit 0 ({u, 1} + {±w, neg}, then the low bit dropped).
  function automatic logic [UW-1:0] add_delta(input logic [UW-1:0] u, input logic en,
                                              input logic neg, input logic signed [15:0] w);
    logic [UW-1:0] x;
    /* verilator lint_off UNUSEDSIGNAL */
    logic [UW:0]   sum;    // bit 0 only carries the +1 in
    /* verilator lint_on UNUSEDSIGNAL */
    x   = en ? UW'(w) ^ {UW{neg}} : '0;
    sum = {u, 1'b1} + {x, en && neg};
    return sum[UW:1];
  endfunction

  // ---------------------------------------------------------------- issue (stage 0)
  logic [KW:0]   init_j_q;
  logic          init_more_q;          // P_INIT: init_j_q < N (a flag, not a compare)
  logic          apply_q;              // issuing a deferred colour's APPLY ops
  logic          colour_seq_q;         // the colour being issued adds sequentially
  logic          sw_cnt_q, sw_rec_q;   // flags of the sweep being issued
  logic [31:0]   burn_left_q, thin_cnt_q, sweeps_left_q;

  // The schedule position being issued (cur), the one after it (nxt) and what the
  // issue needs of each, all in registers: its neuron, colour start, colour end (the
  // next position starts a colour, or this is the last), the colour's check verdict
  // and whether it is the last position. la_q is the position after nxt, looked up
  // a cycle ahead (lk_*): an issue moves nxt to cur and the lookup to nxt; a deferred
  // colour's APPLY ops go back to its start (cst, cst1: what cur and nxt were there),
  // the sweep's end to position 0 (z0, z1, looked up before the sweeps).
  logic [KW:0]   la_q, cst_la_q;
  logic          first_q, cst_first_q;  // cur (cst) is position 0
  logic [KW-1:0] cur_k, nxt_k, cst_k, cst1_k, z0_k, z1_k, lk_k;
  logic [3:0]    cur_f, nxt_f, cst_f, cst1_f, z0_f, z1_f, lk_f;   // {cs, ce, ok, last}
  logic          cur_cs, next_cs, last_entry, cur_ok;
  assign lk_k       = sched_k[la_q[KW-1:0]];
  assign lk_f       = {sched_cs[la_q[KW-1:0]], sched_ce[la_q[KW-1:0]] || la_q == free_m1_q,
                       sched_ok[la_q[KW-1:0]], la_q == free_m1_q};
  assign cur_cs     = cur_f[3];
  assign next_cs    = cur_f[2];
  assign cur_ok     = cur_f[1];
  assign last_entry = cur_f[0];

  // A neuron may issue only after its previous update wrote ζ (in A), S_A cycles after
  // its issue. Every neuron is decided once a sweep, in schedule order, and a sweep's
  // ops issue one a cycle, so it suffices that a sweep's first DECIDE (position 0)
  // issues S_A cycles or more after the previous sweep's: gap_q counts the cycles since
  // (saturating): a register and a compare, not the pipeline's neurons against cur_k.
  // gap_ok_q is that compare (gap_q >= S_A) taken a cycle ahead, and free0_q is free_i
  // = 0 (constant during a run), so the issue starts from flags in registers.
  logic [4:0] gap_q;
  logic       gap_ok_q, free0_q;
  logic       sweep_first, hazard;
  assign sweep_first = first_q && !apply_q;
  assign hazard      = sweep_first && !gap_ok_q;

  logic          issue, sweep_end;
  logic [1:0]    issue_kind;
  logic [KW-1:0] issue_k;
  logic          issue_own;
  logic [KW-1:0] issue_pos;            // cur's position (la_q is two positions after it)
  assign issue_pos = la_q[KW-1:0] - KW'(2);
  always_comb begin
    issue      = 1'b0;
    sweep_end  = 1'b0;
    issue_kind = K_DECIDE;
    issue_k    = cur_k;
    issue_own  = 1'b0;
    if (state_q == C_RUN) begin
      unique case (phase_q)
        P_BIAS: begin
          issue      = 1'b1;
          issue_kind = K_BIAS;
        end
        P_INIT: begin
          issue      = init_more_q;
          issue_kind = K_INIT;
          issue_k    = init_j_q[KW-1:0];
        end
        default: begin
          if (free0_q) begin
            sweep_end = !bk_upd_q && !bk_cmp_q;   // a sweep of no neurons: the counts settle
          end else if (apply_q) begin
            issue      = 1'b1;
            issue_kind = K_APPLY;
            sweep_end  = next_cs && last_entry;
          end else if (!hazard) begin
            issue     = 1'b1;
            issue_own = cur_cs ? next_cs || cur_ok : colour_seq_q;
            // the last decide of a colour of several is followed by its APPLY ops
            sweep_end = next_cs && last_entry && issue_own;
          end
        end
      endcase
    end
  end

  // Sweep bookkeeping. At a sweep's end only the flags of the next sweep change (and
  // the state): they come from compares of the counts registered beforehand (against
  // constants of the run: thin - 1, thin - 2). The counts follow a cycle later, from
  // registers (bk_*_q), and their compares a cycle after that: the sweep's end reaches
  // no counter's enable. The next sweep's end is S_A cycles or more away (its first
  // DECIDE waits for the gap), and a sweep of no neurons waits for the compares
  // (bk_upd_q, bk_cmp_q). After a burn-in sweep (burn != 0) the next is counted if
  // burn = 1 and recorded if also thin_cnt = thin - 1; after a recorded sweep the next
  // is recorded if thin = 1 and is the last if one sweep was left; after another,
  // recorded if thin_cnt = thin - 2 (all modulo 2^32, as the sums were).
  logic [31:0] thin_m1_q, thin_m2_q;
  logic        bk_upd_q, bk_cmp_q, bk_burn_q, bk_rec_q;
  logic        burn_nz_q, burn_le1_q, thin_eq_m1_q, thin_eq_m2_q, left0_q, left1_q, thin1_q;
  logic        next_cnt, next_rec, next_last;
  always_comb begin
    next_cnt = burn_le1_q;
    if (burn_nz_q) begin
      next_rec  = burn_le1_q && thin_eq_m1_q;
      next_last = left0_q;
    end else if (sw_rec_q) begin
      next_rec  = thin1_q;
      next_last = left1_q;
    end else begin
      next_rec  = thin_eq_m2_q;
      next_last = left0_q;
    end
  end

  // ---------------------------------------------------------------- stages 2, 3: the draw
  // s1 · 5 from the RNG block RAM's output (its clock-to-output and one adder), then
  // the rotation and · 9 (one adder) into x: neither cycle holds the search's first stage
  /* verilator lint_off UNUSEDSIGNAL */
  logic [31:0] x5_q, draw;
  /* verilator lint_on UNUSEDSIGNAL */
  logic [23:0] x_q;
  assign draw = xoshiro_draw_rx9(x5_q);
  always_ff @(posedge clk_i) begin
    x5_q <= xoshiro_draw_x5(rng2_q[63:32]);
    x_q  <= draw[31:8];
  end

  // ---------------------------------------------------------------- stages 4..15: m
  // m = #{i : SIGMOID[i] <= x} by the pipelined search (bm_threshold_search), x in s4,
  // m in R1.
  logic [10:0] m_q;
  bm_threshold_search u_search (.clk_i, .x_i(x_q), .m_o(m_q));

  // ---------------------------------------------------------------- R3 and D
  // D fires on g + Δ·c1 >= 0 (g = field - θ), Δ that of the op in A: the three signs
  // are taken from registers, Δ only selects one (the loop from one decision to the next).
  // Everything else the decision sets (ζ, z, the change, the spike, the Δ of this op) is
  // worked out in R3 for both outcomes of that select, m = 0 (always) and m = 1024
  // (never) folded in, so D is the carry chains and one select of registered outcomes.
  logic                 ge_0, ge_p, ge_n, sel;
  logic                 z_new, spike;
  logic [7:0]           zeta_new;
  logic                 d_en, d_neg;     // Δ of the op in D, for the add in A
  logic                 r_en, r_neg;     // Δ of an APPLY or INIT op in R3
  logic                 r_z, r_ch;       // its neuron's z and change bits
  logic [UW-1:0]        sum_p, sum_n;
  logic                 r3_may, r3_zold, r3_fire;
  logic [1:0]           x_en, x_z, x_ch, x_spk;
  logic [1:0][7:0]      x_zeta;
  logic                 x_neg;
  always_comb begin
    // R3: the outcomes. An APPLY op's neuron was decided at least two ops before it:
    // its z and change bits are written when that op was in A, or it is in A now or
    // was a cycle ago (then they are taken from A's registers, byp_q, byp2_q); INIT ops
    // read z as loaded.
    r_z     = byp_q ? znew_a_q : byp2_q ? znew_b_q : zc_q[g1z_q];
    r_ch    = byp_q ? ch_a_q : byp2_q ? ch_b_q : cc_q[g1z_q];
    r_en    = kind_p[S_R3] == K_APPLY ? r_ch : r_z;
    r_neg   = kind_p[S_R3] == K_APPLY && !r_z;
    r3_may  = zeta_p[S_R3] <= 8'd1;
    r3_zold = zeta_p[S_R3] != 8'd0;
    for (int f = 0; f < 2; f++) begin
      r3_fire   = f == 1 ? !never_3_q : always_3_q;   // fire when the select says f
      x_zeta[f] = r3_may ? (r3_fire ? tau_i : 8'd0) : zeta_p[S_R3] - 8'd1;
      x_z[f]    = x_zeta[f] != 8'd0;
      x_ch[f]   = x_z[f] != r3_zold;
      x_spk[f]  = r3_may && r3_fire;
      unique case (kind_p[S_R3])
        K_DECIDE:        x_en[f] = own_p[S_R3] && x_ch[f];
        K_APPLY, K_INIT: x_en[f] = r_en;
        default:         x_en[f] = 1'b1;
      endcase
    end
    unique case (kind_p[S_R3])
      K_DECIDE:        x_neg = r3_zold;
      K_APPLY, K_INIT: x_neg = r_neg;
      default:         x_neg = 1'b0;
    endcase
    // D: the signs and the select
    sum_p    = add_delta(g_q, 1'b1, 1'b0, c1_q);
    sum_n    = add_delta(g_q, 1'b1, 1'b1, c1_q);
    ge_0     = !g_q[UW-1];
    ge_p     = !sum_p[UW-1];
    ge_n     = !sum_n[UW-1];
    sel      = dA_en_q ? (dA_neg_q ? ge_n : ge_p) : ge_0;
    zeta_new = xzeta_q[sel];
    z_new    = xz_q[sel];
    spike    = xspk_q[sel];
    d_en     = v_p[S_D] && xen_q[sel];
    d_neg    = xneg_q;
  end

  // ---------------------------------------------------------------- A: the fields
  // The add of the op in A (its Δ times its column) to every field, and the clear at a
  // start, in the group blocks below (g_cand): Δ and the clear are registered a copy per
  // group of GS fields (each drives its fields' adder LUTs and resets and the group's
  // candidate adder, not all N_MAX · UW of them); (* keep *) on each copy's block stops
  // yosys' opt_merge from merging the identical flip-flops back into one. dA_en_q,
  // dA_neg_q (the same Δ) serve the decision's select and R2, R3. The clear takes
  // effect a cycle after the start (C_INIT's first cycle): no op is in flight then, and
  // the first field read is long after.

  // The second halves' group index: a register copy per select (R1: the field; R3: the
  // z and change bits), each driving one 16:1 select.
  logic [KW-GL-1:0] gf_q;
  (* keep *) always_ff @(posedge clk_i) gf_q <= k_p[S_R0][KW-1:GL];
  (* keep *) always_ff @(posedge clk_i) g1z_q <= k_p[S_R2][KW-1:GL];

  // ---------------------------------------------------------------- group blocks
  // A group of GS rows: its fields and their adds (above), and the first half of each
  // 256:1 select: the op in R0 picks its row of the group in the group's fields (plus
  // the add of the op in A, as the field register will have it a cycle later), the op
  // in R2 its z and change bits. The field's pick is itself two registered steps, so
  // no 16:1 select sits in front of an adder (12.9 ns routed as one step):
  //   s14: in each quarter of QS rows, the row's field with the add of the op then in
  //        A (qc_q: the field as it is in R0), and the row's weight in the column the
  //        banks put out then, the column of the op in A during R0 (qw_q: a QS-row
  //        quarter is one bank when QS = 4, so this select sits at the bank's output);
  //   R0:  the quarter's candidate, with the add of the op in A (pu_q, as before).
  // The row indices are registered a copy per group, so their bits drive one group's
  // selects, not every group's, and a copy per 8 bits of the candidate, taken from the
  // group's own register a cycle before (kb_q: one register drove the 64 copies across
  // the device, 11.3 ns routed).
  // C_CORR forces R0's Δ to +1 (the fields are 0 then, and no op adds: a candidate is
  // the weight of the row in the column, sign-extended).
  localparam int unsigned RC  = (UW + 7) / 8;
  localparam int unsigned GLA = GL - GL / 2;     // s14: the row inside its quarter
  localparam int unsigned GLB = GL / 2;          // R0: the quarter
  localparam int unsigned QS  = 1 << GLA;
  localparam int unsigned NQ  = 1 << GLB;
  logic [NG*NQ-1:0][UW-1:0] qc;        // quarter g NQ + q's registers (qc_q, qw_q below)
  logic [NG*NQ-1:0][15:0]   qw;
  for (genvar g = 0; g < NG; g++) begin : g_cand
    // the row index: the group's own register (the op in s13), then its copies
    logic [GL-1:0]     kb_q;          // the op in s13's row in the group
    logic [GLB-1:0]    kb2_q;         // the op in s14's quarter
    logic [RC*GLA-1:0] ra_q;          // copy c: bits [c GLA +: GLA] (the op in s14)
    logic [RC*GLB-1:0] rb_q;          // copy c: bits [c GLB +: GLB] (the op in R0)
    logic [GL-1:0] r2z_q;
    logic          en_q, neg_q, clr_q, corr_q;
    (* keep *) always_ff @(posedge clk_i) begin
      kb_q  <= k_p[S_R0-3][GL-1:0];
      kb2_q <= kb_q[GL-1:GLA];
      for (int c = 0; c < RC; c++) begin
        ra_q[c * GLA +: GLA] <= kb_q[GLA-1:0];
        rb_q[c * GLB +: GLB] <= kb2_q;
      end
      r2z_q  <= k_p[S_R1][GL-1:0];
      en_q   <= d_en;
      neg_q  <= d_neg;
      clr_q  <= u_clear;
      corr_q <= state_q == C_CORR;
    end
    for (genvar i = g * GS; i < (g + 1) * GS; i++) begin : g_u
      always_ff @(posedge clk_i) begin
        if (clr_q) u_q[i] <= '0;
        else u_q[i] <= add_delta(u_q[i], en_q, neg_q, colB_q[i]);
      end
    end
    // the row {g, q, r}: a concatenation, no adder in front of the selects
    localparam logic [KW-GL-1:0] G = g;
    logic [UW-1:0]         u_sel;
    logic signed [15:0]    w_sel;
    for (genvar q = 0; q < NQ; q++) begin : g_quarter
      localparam int unsigned R0W = g * GS + q * QS;   // the quarter's first row
      logic [UW-1:0]      uq_sel;
      logic signed [15:0] bq_sel, rq_sel;
      logic [UW-1:0]      qc_q;
      logic [15:0]        qw_q;
      // bit b of the quarter's rows as a QS-bit vector, selected by its index copy
      for (genvar b = 0; b < UW; b++) begin : g_bit
        localparam int unsigned C = b / 8;
        logic [QS-1:0] ub;
        for (genvar r = 0; r < QS; r++) begin : g_row
          assign ub[r] = u_q[R0W + r][b];
        end
        assign uq_sel[b] = ub[ra_q[C * GLA +: GLA]];
        if (b < 16) begin : g_w
          logic [QS-1:0] bb, rb;
          for (genvar r = 0; r < QS; r++) begin : g_row
            assign bb[r] = colB_q[R0W + r][b];
            assign rb[r] = colA_q[R0W + r][b];
          end
          assign bq_sel[b] = bb[ra_q[C * GLA +: GLA]];
          assign rq_sel[b] = rb[ra_q[C * GLA +: GLA]];
        end
      end
      always_ff @(posedge clk_i) begin
        qc_q <= add_delta(uq_sel, en_q, neg_q, bq_sel);
        qw_q <= rq_sel;
      end
      assign qc[g * NQ + q] = qc_q;
      assign qw[g * NQ + q] = qw_q;
    end
    for (genvar b = 0; b < UW; b++) begin : g_bit
      localparam int unsigned C = b / 8;
      logic [NQ-1:0] ub;
      for (genvar q = 0; q < NQ; q++) begin : g_q
        assign ub[q] = qc[g * NQ + q][b];
      end
      assign u_sel[b] = ub[rb_q[C * GLB +: GLB]];
      if (b < 16) begin : g_w
        logic [NQ-1:0] wb;
        for (genvar q = 0; q < NQ; q++) begin : g_q
          assign wb[q] = qw[g * NQ + q][b];
        end
        assign w_sel[b] = wb[rb_q[C * GLB +: GLB]];
      end
    end
    always_ff @(posedge clk_i) begin
      pu_q[g] <= add_delta(u_sel, en_q || corr_q, neg_q && !corr_q, w_sel);
      zc_q[g] <= z_live_q[{G, r2z_q}];
      cc_q[g] <= changed_q[{G, r2z_q}];
    end
  end

  // ---------------------------------------------------------------- correction table
  // Lane l at position p: W[k_p][k_(p-l-1) mod F], the weight of the neuron l + 1
  // positions before p, for the late-neuron correction (see the top). C_CORR walks d =
  // 1..4 (cd_q = d - 1) and, for each, every column position q (chk_pos_q: the column is
  // read as C_CHECK reads it) with the row position crow_q = (q + d) mod F. The row's
  // neuron enters k_p at s12 three cycles after its position (rk_q .. rk3_q), as the
  // column reaches colA_q three cycles later: the quarter selects take both in s14,
  // R0's a cycle later and R1's group select a cycle after that; the weight is in f1_q
  // nine cycles after the column's position, and is written then at (d, crow) from the
  // write pipeline cv_p.
  logic [1:0]          cd_q;
  logic [KW-1:0]       crow_q;         // the row's position
  logic [KW-1:0]       rk_q, rk2_q, rk3_q;   // its neuron, registered
  logic                ciss_q;         // C_CORR: columns still to read (else draining)
  logic [9:1]          cv_p;           // a table write in flight: valid, lane, position
  logic [9:1][1:0]     cl_p;
  logic [9:1][KW-1:0]  cp_p;
  // Read a stage early (the address in s14) and the output registered as read in R0,
  // beside the block RAM: its output (4.3 ns after the clock on the proxy) feeds no logic
  logic [3:0][15:0]    corr_rd;        // R1: the table's four weights at the op's position
  for (genvar l = 0; l < 4; l++) begin : g_corr
    (* no_rw_check, rw_addr_collision = "no" *) logic [15:0] mem [N_MAX];  // read only in runs
    logic [15:0] rd_q, rd_r_q;
    always_ff @(posedge clk_i) begin
      if (cv_p[9] && cl_p[9] == 2'(l)) mem[cp_p[9]] <= f1_q[15:0];
      rd_q   <= mem[pos_p[S_R0-1]];
      rd_r_q <= rd_q;
    end
    assign corr_rd[l] = rd_r_q;
  end

  // Each op ahead's distance in positions, one-hot over the lanes (none when it cannot
  // add: a bubble, a BIAS or INIT op, or further back than four positions): the
  // difference in s13 (the op ahead by i in s13 + i), compared in s14 with d and with d
  // - F (the wrap to the previous sweep), the constants registered once per run.
  logic [4:1][KW:0]    dd_q;
  logic [3:0][KW:0]    dwrap_q;        // d - F, d = 1..4
  logic [4:1][3:0]     dsel_q, dsel_r_q;
  function automatic logic [15:0] pick(input logic [3:0] oh, input logic [3:0][15:0] w);
    logic [15:0] r;
    r = '0;
    for (int l = 0; l < 4; l++) if (oh[l]) r |= w[l];
    return r;
  endfunction
  always_ff @(posedge clk_i) begin
    for (int i = 1; i <= 4; i++) begin
      dd_q[i] <= {1'b0, pos_p[S_R0-2]} - {1'b0, pos_p[S_R0-2+i]};
      for (int l = 0; l < 4; l++)
        dsel_q[i][l] <= v_p[S_R0-1+i] && !kind_p[S_R0-1+i][1]    // a DECIDE or an APPLY
                        && (dd_q[i] == (KW+1)'(l + 1) || dd_q[i] == dwrap_q[l]);
    end
    for (int l = 0; l < 4; l++) dwrap_q[l] <= (KW+1)'(l + 1) - free_i;
    dsel_r_q <= dsel_q;
    rk_q     <= sched_k[crow_q];
    rk2_q    <= rk_q;
    rk3_q    <= rk2_q;
  end

  // ---------------------------------------------------------------- memories
  logic                neuron_we;
  logic [KW-1:0]       neuron_addr;
  logic [7:0]          zeta_wdata;
  logic [31:0]         spike_wdata, on_wdata;
  logic                a_decide;
  logic [31:0]         init_word;
  logic [7:0]          zeta_init;
  // C_INIT's writes (ζ as loaded, counts cleared) a cycle after their index, from
  // registers: the 256:1 select of z_init_i and the initial-state read are not in
  // front of the memories' write ports (C_INIT runs SEED_LATENCY cycles past the last)
  logic                init_we_q;
  logic [KW-1:0]       init_addr_q;
  logic [7:0]          zeta_init_q;
  logic [KW-1:0]       out_k_q;       // C_OUT: the neuron of the count word
  logic                out_spk_q;     // C_OUT: the spike counts (after the on counts)
  logic                out_free_q, out_z_q;   // C_OUT: the neuron is free; its z
  logic                out_last_q;            // C_OUT: out_k_q is the last neuron
  logic [1:0]          out_phase_q;
  logic [KW:0]         idx_q;
  logic                rec_more_q;    // C_RECOUT: idx_q < ⌈N/32⌉, a word still to send
  logic [31:0]         final_word_q;

  assign a_decide    = v_p[S_A] && kind_p[S_A] == K_DECIDE;
  assign init_word   = init_mem[idx_q[KW-1:2]];
  assign zeta_init   = init_i ? init_word[8 * idx_q[1:0] +: 8] : {7'd0, init_z_sh_q[0]};
  assign neuron_we   = a_decide || init_we_q;
  assign neuron_addr = a_decide ? k_p[S_A] : init_addr_q;
  assign zeta_wdata  = a_decide ? zeta_a_q : zeta_init_q;
  assign spike_wdata = a_decide ? spike_rd_q + {31'd0, spike_a_q && cnt_p[S_A]} : 32'd0;
  assign on_wdata    = a_decide ? on_rd_q + {31'd0, znew_a_q && rec_p[S_A]} : 32'd0;

  assign seed_valid = state_q == C_INIT && idx_q < (KW+1)'(n_i);
  assign seed_id    = 32'(idx_q);

  always_ff @(posedge clk_i) begin
    if (iw_we_i) init_mem[iw_addr_i[KW-3:0]] <= iw_data_i;
    if (s_we_i) begin
      sched_cs[s_addr_i] <= s_cs_i;
      if (s_addr_i != '0) sched_ce[s_addr_i - 1] <= s_cs_i;
      sched_k[s_addr_i]  <= s_k_i;
    end
    // s1: ζ and RNG state (ζ also for the final state)
    zeta_rd_q <= zeta_mem[state_q == C_FINAL ? idx_q[KW-1:0] : k_p[1]];
    rng2_q    <= rng_mem[k_p[1]];
    // s3: the next state (from s2's registers) goes back (the neuron's next read is
    // >= S_A later); seeding writes only before the first op
    rngw_q    <= xoshiro_next(rng2_q);
    rngw_en_q <= v_p[2] && kind_p[2] == K_DECIDE;
    rngw_k_q  <= k_p[2];
    if (seeded_valid) rng_mem[seeded_id[KW-1:0]] <= seeded_state;
    else if (rngw_en_q) rng_mem[rngw_k_q] <= rngw_q;
    // D: counts read (also for the output)
    spike_rd_q <= spike_mem[state_q == C_OUT ? out_k_q : k_p[S_D]];
    on_rd_q    <= on_mem[state_q == C_OUT ? out_k_q : k_p[S_D]];
    init_we_q     <= state_q == C_INIT && idx_q < (KW+1)'(n_i);
    init_addr_q   <= idx_q[KW-1:0];
    zeta_init_q   <= zeta_init;
    state_words_q <= (n_i + (KW+1)'(31)) >> 5;
    n_m1_q        <= n_i - (KW+1)'(1);
    n_p3_q        <= n_i + (KW+1)'(3);
    n_seed_q      <= n_i + (KW+1)'(SEED_LATENCY);
    if (neuron_we) begin
      zeta_mem[neuron_addr]  <= zeta_wdata;
      spike_mem[neuron_addr] <= spike_wdata;
      on_mem[neuron_addr]    <= on_wdata;
    end
    // datapath registers (no reset: qualified by the valid bits)
    zeta_p[3]     <= zeta_rd_q;
    pos_p[1]      <= issue_pos;
    for (int s = 2; s <= S_R2; s++) pos_p[s] <= pos_p[s-1];
    for (int s = 4; s <= S_R3; s++) zeta_p[s] <= zeta_p[s-1];
    // R1: θ = LNTAU[τ] + 16 (m - 512)
    always_q   <= m_q == 11'd0;
    never_q    <= m_q == 11'(SIG_N);
    lntau_q    <= lntau_lut(tau_i);
    thin_m1_q  <= thin_i - 32'd1;
    thin_m2_q  <= thin_i - 32'd2;
    thin1_q    <= thin_i == 32'd1;
    // the counts' compares, a cycle behind the counts (see the bookkeeping)
    burn_nz_q    <= burn_left_q != '0;
    burn_le1_q   <= burn_left_q[31:1] == '0;
    thin_eq_m1_q <= thin_cnt_q == thin_m1_q;
    thin_eq_m2_q <= thin_cnt_q == thin_m2_q;
    left0_q      <= sweeps_left_q == '0;
    left1_q      <= sweeps_left_q == 32'd1;
    free_m1_q  <= free_i - 1;
    free0_q    <= free_i == 0;
    lt_q       <= UW'(signed'({1'b0, lntau_q})) - UW'(SIG_N * 8);
    theta_q    <= lt_q + UW'(signed'({1'b0, m_q, 4'd0}));
    // C_INIT's last cycle (idx_q = N + SEED_LATENCY + 1) flagged a cycle ahead
    init_end_q <= state_q == C_INIT && idx_q == n_seed_q;
    // R1: the field (adds up to op c-5), the group's candidate from R0; W[k][j] of the
    // ops in A (c-4, its Δ known), in D (c-3), R3 (c-2) and R2 (c-1), each picked from
    // the table by its distance
    f1_q       <= pu_q[gf_q];
    w4_q       <= pick(dsel_r_q[4], corr_rd);
    e4_en_q    <= dA_en_q;
    e4_neg_q   <= dA_neg_q;
    w3_q       <= pick(dsel_r_q[3], corr_rd);
    w2r_q      <= pick(dsel_r_q[2], corr_rd);
    c1r_q      <= pick(dsel_r_q[1], corr_rd);
    // R2: ops c-4 and c-3 added (c-3's Δ now in A)
    f2_q       <= add_delta(add_delta(f1_q, e4_en_q, e4_neg_q, w4_q), dA_en_q, dA_neg_q, w3_q);
    w2_q       <= w2r_q;
    c1s_q      <= c1r_q;
    theta_3_q  <= theta_q;
    always_3_q <= always_q;
    never_3_q  <= never_q;
    // R3: op c-2 added (its Δ now in A), θ subtracted
    g_q        <= add_delta(f2_q, dA_en_q, dA_neg_q, w2_q) - theta_3_q;
    c1_q       <= c1s_q;
    xen_q      <= x_en;
    xz_q       <= x_z;
    xch_q      <= x_ch;
    xspk_q     <= x_spk;
    xzeta_q    <= x_zeta;
    xneg_q     <= x_neg;
    colB_q     <= colA_q;
    // D -> A
    dA_en_q    <= d_en;
    dA_neg_q   <= d_neg;
    zeta_a_q   <= zeta_new;
    spike_a_q  <= spike;
    znew_a_q   <= z_new;
    ch_a_q     <= xch_q[sel];
    // R2: will the op now in D, in A when this op is in R3, decide this op's neuron?
    byp_q      <= v_p[S_D] && kind_p[S_D] == K_DECIDE && k_p[S_D] == k_p[S_R2];
    // R1: will the op now in D, in A when this op is in R2, decide this op's neuron?
    byp2_r_q   <= v_p[S_D] && kind_p[S_D] == K_DECIDE && k_p[S_D] == k_p[S_R1];
    byp2_q     <= byp2_r_q;
    znew_b_q   <= znew_a_q;
    ch_b_q     <= ch_a_q;
  end

  // ---------------------------------------------------------------- colour check
  // The column of neuron j, read in C_CHECK, against the colour's other neurons: a
  // non-zero W[i][j] between them makes the colour deferred (APPLY ops), else its
  // neurons add their columns as they are decided. Ten cycles from the position to
  // the verdict: the neuron, the address and its two copies, the read, the column
  // registered twice (colA_q, colB_q), the non-zero bits, the masked OR of each group
  // of 16, the OR of the groups. A collected
  // neuron's mask bit is set a cycle later, from the registered neuron; the verdict's
  // cycle (chk_done_q) comes from registers, and the verdict is written to sched_ok at
  // the colour's start.
  logic [KW:0]        chk_pos_q, chk_start_q, chk_end_q;
  logic               chk_test_q, chk_bad_q, chk_cs, chk_next_cs, chk_viol, chk_collect_q;
  logic               chk_done_q;
  logic [N_MAX-1:0]   chk_mask_q, chk_nz_q, chk_other_q;
  logic [NG-1:0]      chk_or_q;       // a group's masked non-zero bits
  logic [7:2][KW-1:0] chk_kp_q;      // chk_k1_q a cycle later .. six cycles later
  logic [8:0]         chk_live_q;     // a tested column, one bit per cycle of its test
  logic [3:0]         chk_wait_q;
  assign chk_k       = sched_k[chk_pos_q[KW-1:0]];
  assign chk_cs      = sched_cs[chk_pos_q[KW-1:0]];
  assign chk_next_cs = chk_pos_q == free_m1_q || sched_ce[chk_pos_q[KW-1:0]];
  assign chk_viol    = chk_live_q[8] && |chk_or_q;
  // i = the tested column's neuron (chk_kp_q[7], as its column is in colB_q) from two
  // one-hot halves of its bits: a LUT3 per neuron, not a comparator
  logic [(1 << (KW - KW / 2))-1:0] chk_hi;
  logic [(1 << (KW / 2))-1:0]      chk_lo;
  // the collected neuron (chk_k1_q) likewise, a cycle later (cm_coll_q): its mask
  // bit's enable is a LUT of three registers, not an 8-bit compare per bit (11.5 ns
  // routed), and the decode reads a register, not the schedule's LUT-RAM (12.5 ns)
  logic [(1 << (KW - KW / 2))-1:0] cm_hi_q;
  logic [(1 << (KW / 2))-1:0]      cm_lo_q;
  logic                            cm_coll_q;
  always_ff @(posedge clk_i) begin
    cm_hi_q <= '0;
    cm_lo_q <= '0;
    cm_hi_q[chk_k1_q[KW-1:KW/2]] <= 1'b1;
    cm_lo_q[chk_k1_q[KW/2-1:0]]  <= 1'b1;
    cm_coll_q <= chk_collect_q;
  end
  always_comb begin
    chk_hi = '0;
    chk_lo = '0;
    chk_hi[chk_kp_q[7][KW-1:KW/2]] = 1'b1;
    chk_lo[chk_kp_q[7][KW/2-1:0]]  = 1'b1;
  end
  always_ff @(posedge clk_i) begin
    chk_live_q[0] <= state_q == C_CHECK && chk_test_q && chk_pos_q < chk_end_q;
    chk_live_q[8:1] <= chk_live_q[7:0];
    chk_wait_q    <= chk_test_q && chk_pos_q == chk_end_q ? chk_wait_q + 4'd1 : 4'd0;
    chk_done_q    <= state_q == C_CHECK && chk_test_q && chk_pos_q == chk_end_q
                     && chk_wait_q == 4'd8;
    chk_k1_q      <= chk_k;
    chk_kp_q[2]   <= chk_k1_q;
    chk_kp_q[7:3] <= chk_kp_q[6:2];
    // the colour's verdict at its start position (chk_start_q does not move while its
    // columns are tested)
    if (chk_done_q) sched_ok[chk_start_q[KW-1:0]] <= !chk_bad_q;
    for (int i = 0; i < N_MAX; i++) begin
      chk_nz_q[i]    <= colB_q[i] != 16'd0;
      chk_other_q[i] <= chk_mask_q[i] && !(chk_hi[i >> (KW / 2)] && chk_lo[i % (1 << (KW / 2))]);
    end
    for (int g = 0; g < NG; g++) chk_or_q[g] <= |(chk_nz_q[g * GS +: GS] & chk_other_q[g * GS +: GS]);
  end

  // ---------------------------------------------------------------- control
  logic [31:0] record_word;
  assign record_word = z_live_q[idx_q[KW-1:0] * 32 +: 32];
  assign u_clear     = state_q == C_IDLE && start_i;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q       <= C_IDLE;
      phase_q       <= P_BIAS;
      done_o        <= 1'b0;
      sweep_end_o   <= 1'b0;
      v_p           <= '0;
      kind_p        <= '0;
      k_p           <= '0;
      own_p         <= '0;
      cnt_p         <= '0;
      rec_p         <= '0;
      o_valid_o     <= 1'b0;
      o_last_o      <= 1'b0;
      o_data_o      <= '0;
      idx_q         <= '0;
      rec_more_q    <= 1'b0;
      la_q          <= '0;
      cst_la_q      <= '0;
      first_q       <= 1'b0;
      cst_first_q   <= 1'b0;
      cur_k         <= '0;
      nxt_k         <= '0;
      cst_k         <= '0;
      cst1_k        <= '0;
      z0_k          <= '0;
      z1_k          <= '0;
      cur_f         <= '0;
      nxt_f         <= '0;
      cst_f         <= '0;
      cst1_f        <= '0;
      z0_f          <= '0;
      z1_f          <= '0;
      chk_collect_q <= 1'b0;
      init_j_q      <= '0;
      init_more_q   <= 1'b0;
      apply_q       <= 1'b0;
      colour_seq_q  <= 1'b0;
      chk_pos_q     <= '0;
      chk_start_q   <= '0;
      chk_end_q     <= '0;
      chk_test_q    <= 1'b0;
      chk_mask_q    <= '0;
      chk_bad_q     <= 1'b0;
      sw_cnt_q      <= 1'b0;
      sw_rec_q      <= 1'b0;
      burn_left_q   <= '0;
      thin_cnt_q    <= '0;
      sweeps_left_q <= '0;
      bk_upd_q      <= 1'b0;
      bk_cmp_q      <= 1'b0;
      bk_burn_q     <= 1'b0;
      bk_rec_q      <= 1'b0;
      out_k_q       <= '0;
      out_spk_q     <= 1'b0;
      out_free_q    <= 1'b0;
      out_z_q       <= 1'b0;
      out_last_q    <= 1'b0;
      init_z_sh_q   <= '0;
      out_z_sh_q    <= '0;
      out_free_sh_q <= '0;
      gap_q         <= 5'(S_A);
      gap_ok_q      <= 1'b1;
      out_phase_q   <= '0;
      final_word_q  <= '0;
      z_live_q      <= '0;
      changed_q     <= '0;
      dw_hi_q       <= '0;
      dw_lo_q       <= '0;
      wa_hi_q       <= '0;
      wa_lo_q       <= '0;
      free_mask_q   <= '0;
      cd_q          <= '0;
      crow_q        <= '0;
      ciss_q        <= 1'b0;
      cv_p          <= '0;
      cl_p          <= '0;
      cp_p          <= '0;
    end else begin
      done_o      <= 1'b0;
      sweep_end_o <= sweep_end;
      // the counts of the sweep that ended a cycle ago (C_INIT's loads come later here)
      bk_upd_q  <= sweep_end;
      bk_cmp_q  <= bk_upd_q;
      bk_burn_q <= burn_nz_q;
      bk_rec_q  <= sw_rec_q;
      if (bk_upd_q) begin
        if (bk_burn_q) begin
          burn_left_q <= burn_left_q - 32'd1;
        end else if (bk_rec_q) begin
          thin_cnt_q    <= '0;
          sweeps_left_q <= sweeps_left_q - 32'd1;
        end else begin
          thin_cnt_q <= thin_cnt_q + 32'd1;
        end
      end

      // C_OUT's shift registers, loaded outside it (it shifts them)
      if (state_q != C_OUT) begin
        out_z_sh_q    <= z_live_q;
        out_free_sh_q <= free_mask_q;
      end

      // pipeline advance (no stalls inside: an op's latency is fixed)
      v_p[1]    <= issue;
      kind_p[1] <= issue_kind;
      k_p[1]    <= issue_k;
      own_p[1]  <= issue_own;
      cnt_p[1]  <= sw_cnt_q;
      rec_p[1]  <= sw_rec_q;
      for (int s = 2; s <= S_A; s++) begin
        v_p[s]    <= v_p[s-1];
        kind_p[s] <= kind_p[s-1];
        k_p[s]    <= k_p[s-1];
        own_p[s]  <= own_p[s-1];
        cnt_p[s]  <= cnt_p[s-1];
        rec_p[s]  <= rec_p[s-1];
      end
      // C_CORR: the row's neuron enters s13 (no op is in flight: v_p is 0), and its
      // table write follows the column through the selects
      if (state_q == C_CORR) k_p[S_R0-3] <= rk3_q;
      cv_p[1] <= state_q == C_CORR && ciss_q;
      cl_p[1] <= cd_q;
      cp_p[1] <= crow_q;
      cv_p[9:2] <= cv_p[8:1];
      cl_p[9:2] <= cl_p[8:1];
      cp_p[9:2] <= cp_p[8:1];
      // D: a DECIDE's neuron as registered halves (the z and change bits' enables in A)
      dw_hi_q <= '0;
      dw_lo_q <= '0;
      if (v_p[S_R3] && kind_p[S_R3] == K_DECIDE) begin
        dw_hi_q[k_p[S_R3][KW-1:KW/2]] <= 1'b1;
        dw_lo_q[k_p[S_R3][KW/2-1:0]]  <= 1'b1;
      end
      // A: the bits written from registers (the decision reaches none of the 256)
      wa_hi_q <= dw_hi_q;
      wa_lo_q <= dw_lo_q;
      for (int i = 0; i < N_MAX; i++) begin
        if (wa_hi_q[i >> (KW / 2)] && wa_lo_q[i % (1 << (KW / 2))]) begin
          z_live_q[i]  <= znew_a_q;
          changed_q[i] <= ch_a_q;
        end
      end
      if (s_we_i) free_mask_q[s_k_i] <= 1'b1;
      // C_CHECK collects a colour's neurons; a colour of one needs no test
      chk_collect_q <= state_q == C_CHECK && !chk_test_q && chk_pos_q != free_i
                       && !(chk_cs && chk_next_cs);
      if (issue && sweep_first && phase_q == P_SWEEP) begin
        gap_q    <= 5'd1;
        gap_ok_q <= 1'b0;
      end else if (gap_q < 5'(S_A)) begin
        gap_q    <= gap_q + 5'd1;
        gap_ok_q <= gap_q == 5'(S_A - 1);
      end

      unique case (state_q)
        C_IDLE: if (start_i) begin
          state_q     <= C_INIT;
          idx_q       <= '0;
          init_z_sh_q <= z_init_i;
        end
        C_INIT: begin
          // seed every stream, set ζ, clear the counts; wait out the seeder
          idx_q       <= idx_q + 1;
          init_z_sh_q <= init_z_sh_q >> 1;
          if (init_end_q) begin
            z_live_q      <= z_init_i;
            burn_left_q   <= burn_in_i;
            thin_cnt_q    <= '0;
            sweeps_left_q <= sweeps_i;
            sw_cnt_q      <= burn_in_i == 0;
            sw_rec_q      <= burn_in_i == 0 && thin_i == 1;
            la_q          <= '0;
            first_q       <= 1'b1;
            init_j_q      <= '0;
            init_more_q   <= 1'b1;                // N >= 1
            apply_q       <= 1'b0;
            phase_q       <= P_BIAS;
            state_q       <= C_CHECK;
            chk_pos_q     <= '0;
            chk_test_q    <= 1'b0;
          end
        end
        C_CHECK: begin
          // Each colour of several neurons: collect its neurons (one a cycle), then read
          // their columns (one a cycle) and look for a weight between two of them.
          if (chk_pos_q == free_i && !chk_test_q) begin
            state_q   <= free0_q ? C_RUN : C_CORR;
            chk_pos_q <= '0;
            crow_q    <= KW'(1);
            cd_q      <= '0;
            ciss_q    <= 1'b1;
          end else if (!chk_test_q) begin
            if (chk_cs) chk_start_q <= chk_pos_q;
            if (chk_next_cs) begin
              if (chk_cs) begin                     // a colour of one neuron
                chk_pos_q  <= chk_pos_q + 1;
              end else begin
                chk_end_q  <= chk_pos_q + 1;
                chk_pos_q  <= chk_start_q;
                chk_test_q <= 1'b1;
              end
            end else begin
              chk_pos_q <= chk_pos_q + 1;
            end
          end else if (chk_pos_q < chk_end_q) begin
            chk_pos_q <= chk_pos_q + 1;
          end
          // the last column's test is through: the colour's verdict (chk_done_q implies a
          // test at its end, where the branches above do nothing; kept out of their
          // compares, which reached the 256 mask bits' enables); sched_ok is written
          // beside the other memories
          if (chk_done_q) begin
            chk_bad_q  <= 1'b0;
            chk_mask_q <= '0;
            chk_test_q <= 1'b0;
            chk_start_q <= chk_end_q;
          end
          if (chk_viol) chk_bad_q <= 1'b1;
          for (int i = 0; i < N_MAX; i++)
            if (cm_coll_q && cm_hi_q[i >> (KW / 2)] && cm_lo_q[i % (1 << (KW / 2))])
              chk_mask_q[i] <= 1'b1;
        end
        C_CORR: begin
          // the table: for d = 1..4, every column position q (row position (q + d) mod
          // F; for d >= F the lane is never read, its writes are don't-cares)
          if (ciss_q) begin
            if (chk_pos_q == free_m1_q) begin
              chk_pos_q <= '0;
              crow_q    <= KW'(cd_q) + KW'(2);
              cd_q      <= cd_q + 2'd1;
              if (cd_q == 2'd3) ciss_q <= 1'b0;
            end else begin
              chk_pos_q <= chk_pos_q + 1;
              crow_q    <= (KW+1)'(crow_q) + 1 == free_i ? '0 : crow_q + 1;
            end
          end else if (cv_p == '0) begin
            state_q <= C_RUN;
          end
        end
        C_RUN: begin
          unique case (phase_q)
            P_BIAS: begin                               // position 0 looked up
              phase_q <= P_INIT;
              cur_k   <= lk_k;
              cur_f   <= lk_f;
              z0_k    <= lk_k;
              z0_f    <= lk_f;
              la_q    <= (KW+1)'(1);
            end
            P_INIT: begin
              // four bubbles after the INIT ops: the first DECIDE's correction covers
              // only ops with a schedule position
              init_j_q    <= init_j_q + 1;
              init_more_q <= init_j_q < n_m1_q;
              if (init_j_q == n_p3_q) phase_q <= P_SWEEP;
              if (la_q == (KW+1)'(1)) begin             // position 1 looked up
                nxt_k <= lk_k;
                nxt_f <= lk_f;
                z1_k  <= lk_k;
                z1_f  <= lk_f;
                la_q  <= (KW+1)'(2);
              end
            end
            default: begin
              if (issue) begin
                if (!apply_q && cur_cs) begin
                  colour_seq_q <= issue_own;
                  cst_k        <= cur_k;
                  cst_f        <= cur_f;
                  cst1_k       <= nxt_k;
                  cst1_f       <= nxt_f;
                  cst_la_q     <= la_q;
                  cst_first_q  <= first_q;
                end
                if (!apply_q && next_cs && !issue_own) begin
                  apply_q <= 1'b1;                      // the colour's deferred adds
                  if (!cur_cs) begin                    // back to the colour's start
                    cur_k   <= cst_k;
                    cur_f   <= cst_f;
                    nxt_k   <= cst1_k;
                    nxt_f   <= cst1_f;
                    la_q    <= cst_la_q;
                    first_q <= cst_first_q;
                  end
                end else begin
                  if (apply_q && next_cs) apply_q <= 1'b0;
                  if (last_entry) begin                 // the sweep's end: position 0
                    cur_k   <= z0_k;
                    cur_f   <= z0_f;
                    nxt_k   <= z1_k;
                    nxt_f   <= z1_f;
                    la_q    <= (KW+1)'(2);
                    first_q <= 1'b1;
                  end else begin                        // the next position
                    cur_k   <= nxt_k;
                    cur_f   <= nxt_f;
                    nxt_k   <= lk_k;
                    nxt_f   <= lk_f;
                    la_q    <= la_q + 1;
                    first_q <= 1'b0;
                  end
                end
              end
              if (sweep_end) begin
                sw_cnt_q      <= next_cnt;
                sw_rec_q      <= next_rec;
                if (sw_rec_q && record_i) state_q <= C_RECWAIT;
                else if (next_last) state_q <= C_DRAIN;
              end
            end
          endcase
        end
        C_RECWAIT: if (v_p == '0) begin
          idx_q      <= '0;
          rec_more_q <= 1'b1;               // N >= 1: one word at least
          state_q    <= C_RECOUT;
        end
        C_RECOUT: begin
          // the compare a word ahead, so that the hand-over's enables come from registers
          if (!o_valid_o || o_ready_i) begin
            if (rec_more_q) begin
              o_valid_o  <= 1'b1;
              o_data_o   <= record_word;
              o_last_o   <= 1'b0;
              idx_q      <= idx_q + 1;
              rec_more_q <= idx_q + 1 < state_words_q;
            end else begin
              o_valid_o <= 1'b0;
              state_q   <= sweeps_left_q == 0 ? C_DRAIN : C_RUN;
            end
          end
        end
        C_DRAIN: if (v_p == '0) begin
          state_q     <= C_OUT;
          out_k_q     <= '0;
          out_spk_q   <= 1'b0;
          out_phase_q <= '0;
        end
        C_OUT: begin
          // phase 0: address out_k_q; 1: memory output ready; 2: hold until taken
          unique case (out_phase_q)
            2'd0: begin
              out_phase_q <= 2'd1;
              out_free_q  <= out_free_sh_q[0];
              out_z_q     <= out_z_sh_q[0];
              out_last_q  <= (KW+1)'(out_k_q) == n_m1_q;   // for phase 2's hand-over
              out_z_sh_q    <= out_z_sh_q >> 1;     // the spike pass reads neither
              out_free_sh_q <= out_free_sh_q >> 1;
            end
            2'd1: begin
              o_valid_o   <= 1'b1;
              if (out_spk_q) o_data_o <= spike_rd_q;
              else if (out_free_q) o_data_o <= on_rd_q;
              else o_data_o <= out_z_q ? sweeps_i : 32'd0;   // clamped
              o_last_o    <= 1'b0;
              out_phase_q <= 2'd2;
            end
            default: if (o_ready_i) begin
              o_valid_o     <= 1'b0;
              out_phase_q   <= 2'd0;
              out_k_q       <= out_k_q + 1;
              if (out_last_q) begin
                out_k_q   <= '0;
                out_spk_q <= 1'b1;
              end
              if (out_spk_q && out_last_q) begin
                state_q <= C_FINAL;
                idx_q   <= '0;
              end
            end
          endcase
        end
        C_FINAL: begin
          // the final state, ⌈N/4⌉ words, as bm_core
          unique case (out_phase_q)
            2'd0: out_phase_q <= 2'd1;
            2'd1: begin
              final_word_q[8 * idx_q[1:0] +: 8] <= idx_q < n_i ? zeta_rd_q : 8'd0;
              if (idx_q[1:0] == 2'd3) begin
                out_phase_q <= 2'd2;
              end else begin
                idx_q       <= idx_q + 1;
                out_phase_q <= 2'd0;
              end
            end
            2'd2: begin
              o_valid_o   <= 1'b1;
              o_data_o    <= final_word_q;
              o_last_o    <= idx_q >= n_m1_q;
              out_phase_q <= 2'd3;
            end
            default: if (o_ready_i) begin
              o_valid_o   <= 1'b0;
              o_last_o    <= 1'b0;
              out_phase_q <= 2'd0;
              idx_q       <= idx_q + 1;
              if (o_last_o) begin
                state_q     <= C_IDLE;
                done_o      <= 1'b1;
                free_mask_q <= '0;
              end
            end
          endcase
        end
        default: state_q <= C_IDLE;
      endcase
    end
  end
endmodule
