// The sparse parallel engine of bm_sampler (ENGINE = 2; spec §3, §4.3.1;
// docs/design/bm_throughput.md §3): U update units decide U neurons of a colour per
// cycle. All neurons of a colour read z as it was before the colour (spec §3.1), so
// a colour's neurons are independent: unit u takes schedule positions p = r U + u, and
// an op is one row r for every unit, the units whose position lies outside the colour
// masked off. The neighbours' z come from bm_sparse_zstore, written in the op's last
// stage (s17) and read in s14, so an op's z is seen by the ops issued LOOP = 4 or more
// cycles after it: a pass (a colour's rows) is followed by the bubbles the next
// colour's first rows need for their reads of the previous pass's last rows (its
// *hazard*, found by the front end while the lists arrive: row i of the colour
// reading row j from the end of the previous pass needs LOOP − 1 − i − j bubbles),
// LOOP − 1 − rows when the previous pass has fewer than LOOP − 1 rows (then the pass
// before it is near too), and one before a one-row colour (the tables of the colour
// after it are read a cycle after its own).
//
// Colours: the front end marks a colour *deferred* when a non-zero weight joins two of
// its neurons (an improper colouring). Its DECIDE pass then writes no z; an APPLY pass
// over the same rows writes z from ζ afterwards, so every neuron of the colour read the
// z from before it, for any order the host sends.
//
// A run: C_INIT seeds the N streams (position order, stream id = the neuron) and sets
// ζ, the clamp bits and the counts of every position and its z; C_RUN issues the rows
// of every colour of every sweep; recorded sweeps (RECORD) and the payload read the
// units back neuron by neuron (position from pos_mem).
module bm_sparse_core #(
  parameter int unsigned N_MAX = 1024,
  parameter int unsigned U     = 32,
  parameter int unsigned D_MAX = 8,
  parameter int unsigned LOOP  = 4       // the z loop in cycles (s14 read .. s17 write)
) (
  input  logic                         clk_i,
  input  logic                         rst_ni,
  input  logic [$clog2(N_MAX):0]       n_i,
  input  logic [$clog2(N_MAX):0]       c_i,
  input  logic [$clog2(D_MAX):0]       d_i,
  input  logic [7:0]                   tau_i,
  input  logic [63:0]                  seed_i,
  input  logic [31:0]                  sweeps_i,
  input  logic [31:0]                  burn_in_i,
  input  logic [31:0]                  thin_i,
  input  logic                         record_i,
  input  logic                         init_i,
  // the frame, translated by the front end to schedule positions
  input  logic                         ord_we_i,      // order[p] = k
  input  logic [$clog2(N_MAX)-1:0]     ord_p_i,
  input  logic [$clog2(N_MAX)-1:0]     ord_k_i,
  input  logic                         ce_we_i,       // colour c: end (flags cleared)
  input  logic [$clog2(N_MAX)-1:0]     ce_c_i,
  input  logic [$clog2(N_MAX):0]       ce_end_i,
  input  logic                         fl_we_i,       // colour c: deferred, hazard set
  input  logic [$clog2(N_MAX)-1:0]     fl_c_i,
  input  logic                         fl_defer_i,
  input  logic [LOOP-2:0]              fl_hazard_i,   // bubble k needed (thermometer)
  input  logic                         b_we_i,        // bias of position p
  input  logic [$clog2(N_MAX)-1:0]     b_p_i,
  input  logic [15:0]                  b_data_i,
  input  logic                         l_we_i,        // list slot of position p
  input  logic [$clog2(N_MAX)-1:0]     l_p_i,
  input  logic [$clog2(D_MAX)-1:0]     l_slot_i,
  input  logic [$clog2(N_MAX)+15:0]    l_data_i,      // {weight, neighbour position}
  input  logic                         cm_we_i,       // clamp mask / value word w (neurons)
  input  logic                         cv_we_i,
  input  logic [$clog2(N_MAX)-6:0]     cw_addr_i,
  input  logic [31:0]                  cw_data_i,
  input  logic                         iw_we_i,       // initial-state word w (neurons)
  input  logic [$clog2(N_MAX)-3:0]     iw_addr_i,
  input  logic [31:0]                  iw_data_i,
  input  logic                         start_i,
  output logic                         done_o,
  output logic                         sweep_end_o,
  output logic                         o_valid_o,
  output logic [31:0]                  o_data_o,
  output logic                         o_last_o,
  input  logic                         o_ready_i
);
  import npq_pkg::*;

  localparam int unsigned KW  = $clog2(N_MAX);
  localparam int unsigned UB  = $clog2(U);
  localparam int unsigned R   = N_MAX / U;
  localparam int unsigned RW  = $clog2(R);
  localparam int unsigned S_DEC = 16;          // the stage that decides and writes ζ
  localparam int unsigned S_END = 17;          // the stage that writes z and the counts
  localparam int unsigned READS = U * D_MAX + 1;

  if (U < 2 || (U & (U - 1)) != 0 || (N_MAX & (N_MAX - 1)) != 0 || N_MAX < 2 * U
      || N_MAX < 32 || D_MAX < 2 || (D_MAX & (D_MAX - 1)) != 0) begin : g_bad
    $error("bm_sparse_core: U, N_MAX, D_MAX powers of two, U >= 2, D_MAX >= 2, N_MAX >= 2U, N_MAX >= 32");
  end
  if (LOOP != S_END - 13) begin : g_bad_loop     // z read in s14, written in S_END
    $error("bm_sparse_core: LOOP must be the z loop's length, S_END - 13");
  end

  typedef enum logic [2:0] {C_IDLE, C_INIT, C_RUN, C_RECWAIT, C_RECOUT, C_DRAIN, C_OUT, C_FINAL}
    state_e;
  state_e state_q;

  // ---------------------------------------------------------------- run tables
  // the row of the position before `pos` (a colour's last row, from its end)
  function automatic logic [RW-1:0] last_row(input logic [KW:0] pos);
    /* verilator lint_off UNUSEDSIGNAL */
    logic [KW:0] p;     // its unit bits and the bit of N_MAX are not the row
    /* verilator lint_on UNUSEDSIGNAL */
    p = pos - (KW+1)'(1);
    return p[KW-1:UB];
  endfunction

  logic [KW-1:0]  order_mem [N_MAX];
  logic [KW-1:0]  pos_mem   [N_MAX];
  // the colour tables are read only at the registered next-colour index (nci_q), so
  // they are block RAM; colour 0's end and flag are kept in registers as well, for the
  // first pass of a run. A colour's entry holds its end and, worked out as the ends
  // arrive (in colour order, after the previous colour's), its last row and whether it
  // is one row: the colour move reads them from the block RAM with no subtractor or
  // compare behind its output (the proxy's critical path before, 12.56 ns).
  (* ram_style = "block" *) logic [KW+RW+1:0] cend_mem [N_MAX];   // {one row, last row, end}
  (* ram_style = "block" *) logic        defer_mem [N_MAX];
  logic [KW:0]    c0_end_q, pend_q;     // colour 0's end; the end written last
  logic           c0_def_q;
  logic [LOOP-2:0] haz_q;               // the next colour's hazard bubbles (marked from the top)
  logic [31:0]    cm_mem    [N_MAX / 32];
  logic [31:0]    cv_mem    [N_MAX / 32];
  logic [31:0]    init_mem  [N_MAX / 4];
  always_ff @(posedge clk_i) begin
    if (ord_we_i) begin
      order_mem[ord_p_i] <= ord_k_i;
      pos_mem[ord_k_i]   <= ord_p_i;
    end
    if (ce_we_i) begin
      cend_mem[ce_c_i]  <= {last_row(ce_end_i) == (ce_c_i == '0 ? '0 : pend_q[KW-1:UB]),
                            last_row(ce_end_i), ce_end_i};
      pend_q            <= ce_end_i;
      defer_mem[ce_c_i] <= 1'b0;
      if (ce_c_i == '0) begin
        c0_end_q <= ce_end_i;
        c0_def_q <= 1'b0;
      end
    end else if (fl_we_i) begin
      if (fl_defer_i)  defer_mem[fl_c_i] <= 1'b1;
      if (fl_defer_i && fl_c_i == '0) c0_def_q <= 1'b1;
    end
    if (cm_we_i) cm_mem[cw_addr_i] <= cw_data_i;
    if (cv_we_i) cv_mem[cw_addr_i] <= cw_data_i;
    if (iw_we_i) init_mem[iw_addr_i] <= iw_data_i;
  end

  // LNTAU[τ] registered (τ is the frame's, fixed while a run lasts): the table is
  // not in series with the units' θ − b adders (11.3 ns at U = 8)
  logic [15:0] lntau_q;
  always_ff @(posedge clk_i) lntau_q <= lntau_lut(tau_i);

  // ---------------------------------------------------------------- op pipeline
  // Stage s of an op is index s (1..S_END); 0 is the issue.
  logic [S_END:1]              v_p, apply_p, zw_p, cnt_p, rec_p;
  logic [S_END:1][RW-1:0]      row_p;
  logic [S_END:1][U-1:0]       mask_p;

  // ---------------------------------------------------------------- units and z store
  logic [U-1:0]                          u_b_we, u_l_we, u_init_we, u_seed_we;
  logic [U-1:0][D_MAX-1:0][KW-1:0]       nb_pos;
  logic [U-1:0][D_MAX-1:0]               nb_z;
  logic [U-1:0]                          z_old, z_base, z_row;
  logic [RW-1:0]                         z_waddr, z_waddr_next;
  logic                                  zbyp_q;   // s16 holds a DECIDE of s15's row
  logic [U-1:0][31:0]                    o_on, o_spike;
  logic [U-1:0][7:0]                     o_zeta;
  logic [READS-1:0][KW-1:0]              z_rpos;
  logic [READS-1:0]                      z_rd;

  // init pass writes (position init_p_q) and seeded states (position seed_p_q)
  logic [KW-1:0]  init_p_q, seed_p_q;
  logic           init_we_q, init_clamped_q;
  logic [7:0]     init_zeta_q;
  logic           seeded_valid;
  logic [127:0]   seeded_state;
  logic [RW-1:0]  o_row;

  // The units' shared addresses (bm_sparse_unit): each selects between loading's row
  // and an op stage's, once for all units and registered (the list writes and seeded
  // states a cycle later to match), so no unit has a multiplexer of its own and no
  // LUT sits between these registers and the units' memories.
  logic           l_we_q;
  logic [UB-1:0]  l_unit_q;
  logic [$clog2(D_MAX)-1:0] l_slot_q;
  logic [KW+15:0] l_data_q;
  logic [U-1:0]   seed_we_q;
  logic [127:0]   seeded_state_q;
  logic [RW-1:0]  lp_addr_q, lw_addr_q, rng_waddr_q, cnt_raddr_q, cnt_waddr_q;
  // a bias write, registered as well: its position comes from the front end's pos_mem
  // (block RAM), and the unit select behind it drives the bias memories' write enables
  logic           b_we_q;
  logic [KW-1:0]  b_p_q;
  logic [15:0]    b_data_q;

  for (genvar u = 0; u < U; u++) begin : g_unit
    assign u_b_we[u]    = b_we_q && b_p_q[UB-1:0] == UB'(u);
    assign u_l_we[u]    = l_we_q && l_unit_q == UB'(u);
    assign u_init_we[u] = init_we_q && init_p_q[UB-1:0] == UB'(u);
    assign u_seed_we[u] = seeded_valid && seed_p_q[UB-1:0] == UB'(u);
    bm_sparse_unit #(.N_MAX(N_MAX), .U(U), .D_MAX(D_MAX)) u_unit (
      .clk_i, .tau_i, .lntau_i(lntau_q), .d_i,
      .b_we_i(u_b_we[u]), .b_row_i(b_p_q[KW-1:UB]), .b_data_i(b_data_q),
      .l_we_i(u_l_we[u]), .l_slot_i(l_slot_q), .l_data_i(l_data_q),
      .init_we_i(u_init_we[u]), .init_row_i(init_p_q[KW-1:UB]), .init_zeta_i(init_zeta_q),
      .init_clamped_i(init_clamped_q),
      .seed_we_i(seed_we_q[u]), .seed_state_i(seeded_state_q),
      .s1_row_i(row_p[1]),
      .s1_draw_i(v_p[1] && !apply_p[1] && mask_p[1][u]),
      .s13_row_i(row_p[13]), .s14_row_i(row_p[14]),
      .s15_en_i(v_p[S_DEC-1] && mask_p[S_DEC-1][u]), .s16_apply_i(apply_p[S_DEC]),
      .s16_zw_i(zw_p[S_DEC]), .s16_cnt_i(cnt_p[S_DEC]), .s16_rec_i(rec_p[S_DEC]),
      .s15_row_i(row_p[S_DEC-1]), .s16_byp_i(zbyp_q),
      .rng_waddr_i(rng_waddr_q), .lp_addr_i(lp_addr_q), .lw_addr_i(lw_addr_q),
      .zeta_waddr_i(z_waddr), .cnt_raddr_i(cnt_raddr_q), .cnt_waddr_i(cnt_waddr_q),
      .nb_pos_o(nb_pos[u]), .nb_z_i(nb_z[u]),
      .zold_i(z_base[u]), .zrow_o(z_row[u]),
      .o_row_i(o_row), .o_on_o(o_on[u]), .o_spike_o(o_spike[u]), .o_zeta_o(o_zeta[u])
    );
    // bank u's bit of the store's write row as the unit finds it: the init pass's
    // write (no op runs then, so the unit passes it on), else the store's old bit
    assign z_base[u] = u_init_we[u] ? init_zeta_q != 8'd0 : z_old[u];
    for (genvar s = 0; s < D_MAX; s++) begin : g_slot
      assign z_rpos[u * D_MAX + s] = nb_pos[u][s];
      assign nb_z[u][s]            = z_rd[u * D_MAX + s];
    end
  end

  // One row per cycle: the init pass writes before the first op is issued (C_RUN
  // waits for every seeded state), and an op's units all write its row in s16 (into
  // every copy in s17).

  bm_sparse_zstore #(.N_MAX(N_MAX), .U(U), .READS(READS)) u_zstore (
    .clk_i, .waddr_i(z_waddr), .waddr_next_i(z_waddr_next), .old_o(z_old), .row_i(z_row),
    .rpos_i(z_rpos), .z_o(z_rd)
  );

  // ---------------------------------------------------------------- seeding
  logic        seed_req;
  logic [31:0] seed_id;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [31:0] seeded_id;
  /* verilator lint_on UNUSEDSIGNAL */
  npq_stream_seed u_seed (
    .clk_i, .rst_ni,
    .valid_i(seed_req), .seed_i(seed_i), .id_i(seed_id),
    .valid_o(seeded_valid), .id_o(seeded_id), .state_o(seeded_state)
  );

  // ---------------------------------------------------------------- issue
  logic [KW:0]    nci_q;                // the colour after this one (0 after the last)
  logic [UB-1:0]  cs_q;                 // its positions [cs, ce): the unit of cs
  logic [KW:0]    ce_q;
  logic [RW-1:0]  r_q, rf_q, rl_q;      // row, first and last row of the colour
  // r_q == rl_q (the pass's last row) and the colour's being one row, kept as flags
  // set with r_q and rl_q: the compare sat in front of the pass end and the sweep
  // counts' 96 enables (10.1 ns at U = 8)
  logic           last_q, one_q;
  logic           apply_q, defer_q;     // APPLY pass; the colour is deferred
  logic [LOOP-2:0] wait_q;              // bubbles before the next pass (thermometer)
  logic [KW:0]    nce_q;
  logic [RW-1:0]  nrl_q;                // the next colour's last row
  logic           none_q;               // the next colour is one row
  logic           ndef_q;
  logic           sw_cnt_q, sw_rec_q;
  logic [31:0]    burn_left_q, thin_cnt_q, sweeps_left_q;

  // Bubble k of colour c's hazard: one set-only memory per bubble (a slot asks for
  // bubbles 0 .. k at once).
  for (genvar k = 0; k < LOOP - 1; k++) begin : g_haz
    (* ram_style = "block" *) logic haz_mem [N_MAX];
    always_ff @(posedge clk_i) begin
      if (ce_we_i) haz_mem[ce_c_i] <= 1'b0;
      else if (fl_we_i && fl_hazard_i[k]) haz_mem[fl_c_i] <= 1'b1;
      haz_q[k] <= haz_mem[nci_q[KW-1:0]];
    end
  end


  // The bubbles after a pass that moves to the next colour: its hazard's, at least
  // LOOP − 1 − rows of the pass just issued (the pass before it is then near as well),
  // and at least one before a one-row colour (whose own pass end loads the tables of
  // the colour after it, read a cycle after nci_q moves). All three are thermometer
  // codes (bit k: a (k+1)-th bubble; the hazard's marks, bubbles i + j .. LOOP − 2,
  // are one read from the top), so the most of them is their OR and the count down a
  // shift: behind the hazard memories' block RAM only an OR and the move's select
  // (12.3 ns before, as a sum, a compare and a decrement).
  // The short pass's bubbles are registered from the current colour's rows: they are
  // read at its pass end, a cycle after its rows are set at the earliest (a one-row
  // colour has a bubble before it), and for colour 0 of a run they are set while
  // C_INIT runs.
  logic [LOOP-2:0] short_q, haz_t, next_wait;
  function automatic logic [LOOP-2:0] short_bubbles(input logic [RW-1:0] rows_m1);
    for (int k = 0; k < LOOP - 1; k++) short_bubbles[k] = 32'(rows_m1) + 32'(k) < LOOP - 2;
  endfunction
  always_ff @(posedge clk_i)
    short_q <= short_bubbles(state_q == C_INIT ? last_row(c0_end_q) : rl_q - rf_q);
  for (genvar k = 0; k < LOOP - 1; k++) begin : g_haz_t
    assign haz_t[k] = haz_q[LOOP - 2 - k];
  end
  assign next_wait = haz_t | short_q | (LOOP-1)'(none_q);

  logic           issue, pass_end, sweep_end;
  logic [U-1:0]   issue_mask;
  logic [UB-1:0]  lo, hi;
  assign issue    = state_q == C_RUN && !wait_q[0];
  assign pass_end = issue && last_q;
  assign sweep_end = pass_end && (apply_q || !defer_q) && nci_q == '0;
  assign lo = r_q == rf_q ? cs_q[UB-1:0] : '0;
  assign hi = last_q ? ce_q[UB-1:0] - UB'(1) : UB'(U - 1);   // the unit of ce − 1
  always_comb begin
    for (int u = 0; u < U; u++) issue_mask[u] = UB'(u) >= lo && UB'(u) <= hi;
  end

  // Sweep bookkeeping at a sweep's end: the counts and flags of the next sweep,
  // computed a cycle ahead. The counts are set when the run starts and change only at
  // a sweep's end, and two sweep ends are two cycles apart at least (a pass and its
  // bubble), so the registers are current whenever a sweep ends.
  // The flags compare the current counts with constants of the run (thin − 1, thin −
  // 2, registered) instead of the next counts, so no adder is in series with their
  // compares (11.1 ns at U = 8): after a burn-in sweep (burn ≠ 0) the next is counted
  // if burn = 1 and recorded if also thin_cnt = thin − 1; after a recorded sweep the
  // next is recorded if thin = 1 and the last if 1 sweep was left; after another, the
  // next is recorded if thin_cnt = thin − 2 (all modulo 2^32, as the sums were).
  logic [31:0] burn_left_n, thin_cnt_n, sweeps_left_n, thin_m1_q, thin_m2_q;
  logic        next_cnt, next_rec, next_last;
  always_ff @(posedge clk_i) begin : sweep_next
    logic [31:0] burn, thin, left;
    burn = burn_left_q;
    thin = thin_cnt_q;
    left = sweeps_left_q;
    if (burn_left_q != 0) burn = burn_left_q - 1;
    else if (sw_rec_q) begin
      thin = '0;
      left = sweeps_left_q - 1;
    end else thin = thin_cnt_q + 1;
    burn_left_n   <= burn;
    thin_cnt_n    <= thin;
    sweeps_left_n <= left;
    thin_m1_q     <= thin_i - 32'd1;
    thin_m2_q     <= thin_i - 32'd2;
    next_cnt      <= burn_left_q[31:1] == '0;
    if (burn_left_q != 0) begin
      next_rec  <= burn_left_q == 32'd1 && thin_cnt_q == thin_m1_q;
      next_last <= sweeps_left_q == '0;
    end else if (sw_rec_q) begin
      next_rec  <= thin_i == 32'd1;
      next_last <= sweeps_left_q == 32'd1;
    end else begin
      next_rec  <= thin_cnt_q == thin_m2_q;
      next_last <= sweeps_left_q == '0;
    end
  end

  // ---------------------------------------------------------------- init pass
  // Position ip: its neuron k = order[ip] (step 1, block RAM), k registered again
  // (step 1a: order[]'s block RAM output straight into the initial-state block RAM's
  // address was 10.15 ns on the proxy at U = 8), k's words read (step 1b), then k's
  // clamp bits and initial byte (step 2: written to the unit and the store).
  // The seeder takes k in step 1; its states come back in position order, the last
  // SEED_LATENCY (15) cycles after it, well after step 2's last write.
  logic [KW:0]    ip_q;
  logic           i1_valid_q, i1a_valid_q, i2_valid_q;
  logic [KW-1:0]  i1_k_q, i1_p_q, i1a_k_q, i1a_p_q, i2_k_q, i2_p_q;
  logic [KW:0]    seed_back_q;
  // k's words are read in step 1b into registers (a synchronous read: the init pass
  // never meets a write of them, so no write-through compare behind the block RAM
  // that holds order[], which yosys added for the read address it took into the
  // initial-state memory: 11.0 ns at U = 4)
  logic [31:0]    i2_cm, i2_cv, i2_iw;
  assign seed_req = i1_valid_q;
  assign seed_id  = 32'(i1_k_q);

  // ---------------------------------------------------------------- read-out
  // A neuron k read back: its position (pos_mem, read as k is asked for) in r0, again
  // in r1 (a register behind the block RAM) and in r2, where the units read it (the
  // count memories' address register is loaded from r1, so no block RAM output sits
  // in front of their 2U address inputs: from r0 the path was 12.1 ns at U = 8); its
  // unit's values in r3.
  logic [KW:0]    rk_q;               // the neuron asked for (N and above: none)
  logic           r0_v_q, r1_v_q, r2_v_q, r3_v_q;
  logic [KW:0]    r1_k_q, r2_k_q, r3_k_q;
  logic [KW-1:0]  r0_p_q, r1_p_q, r2_p_q;
  logic [31:0]    r3_on_q, r3_spike_q;
  logic [7:0]     r3_zeta_q;
  logic           r3_z_q, r3_clamped_q, r3_cval_q;
  logic [4:0]     r0_i_q, r1_i_q, r2_i_q, r3_i_q;   // item within the output word
  assign o_row = r2_p_q[KW-1:UB];
  assign z_rpos[READS-1] = r2_p_q;

  // output word assembly: items per word (32 z bits, 4 ζ bytes, or one count)
  typedef enum logic [1:0] {O_REC, O_ON, O_SPIKE, O_FINAL} omode_e;
  omode_e      omode_q;
  logic [KW:0] obase_q;              // first neuron of the word
  logic [5:0]  oiss_q, ocol_q;       // items asked for / collected
  logic [5:0]  oitems;
  logic [31:0] oword_q;
  logic        oemit_q;              // the word is complete: on the bus
  logic [KW:0] owords_q;             // words written in this mode
  logic [KW:0] state_words, zeta_words;
  assign state_words = (n_i + (KW+1)'(31)) >> 5;
  assign zeta_words  = (n_i + (KW+1)'(3)) >> 2;
  assign oitems = omode_q == O_REC ? 6'd32 : omode_q == O_FINAL ? 6'd4 : 6'd1;
  // each mode's last word index, registered (n_i is the frame's, fixed while a run
  // lasts): the word count's compares take no adder (omode_q: 10.2 ns at U = 8)
  logic [KW:0] n_m1_q, sw_m1_q, zw_m1_q;
  always_ff @(posedge clk_i) begin
    n_m1_q  <= n_i - (KW+1)'(1);
    sw_m1_q <= state_words - (KW+1)'(1);
    zw_m1_q <= zeta_words - (KW+1)'(1);
  end
  logic [KW:0] rk_next;              // the neuron asked for next
  assign rk_next = obase_q + (KW+1)'(oiss_q);

  // the store's write row: the init pass's position (its step 2 follows) or the row of
  // the op in S_DEC (the units merge its z then, the store writes the copies in S_END)
  assign z_waddr_next = i2_valid_q ? i2_p_q[KW-1:UB] : row_p[S_DEC-1];

  always_ff @(posedge clk_i) begin
    // read-out pipeline (no reset: qualified by the valid bits)
    r1_k_q       <= rk_q;
    r1_i_q       <= r0_i_q;
    r0_p_q       <= pos_mem[rk_next[KW-1:0]];
    r1_p_q       <= r0_p_q;
    r2_p_q       <= r1_p_q;
    r2_k_q       <= r1_k_q;
    r2_i_q       <= r1_i_q;
    r3_k_q       <= r2_k_q;
    r3_i_q       <= r2_i_q;
    r3_on_q      <= o_on[r2_p_q[UB-1:0]];
    r3_spike_q   <= o_spike[r2_p_q[UB-1:0]];
    r3_zeta_q    <= o_zeta[r2_p_q[UB-1:0]];
    r3_z_q       <= z_rd[READS-1];
    r3_clamped_q <= cm_mem[r2_k_q[KW-1:5]][r2_k_q[4:0]];
    r3_cval_q    <= cv_mem[r2_k_q[KW-1:5]][r2_k_q[4:0]];
    // the store's write row, registered (the store reads the old row a cycle ahead)
    z_waddr        <= z_waddr_next;
    // the units read ζ in s15 (bm_sparse_unit): an op there of the row whose DECIDE
    // is in s16 (an APPLY after a one-row colour's DECIDE) takes the ζ being written
    zbyp_q         <= v_p[S_DEC-1] && !apply_p[S_DEC-1] && row_p[S_DEC-2] == row_p[S_DEC-1];
    // the units' shared addresses, each the row of the cycle after (see g_unit)
    l_we_q         <= l_we_i;
    b_we_q         <= b_we_i;
    b_p_q          <= b_p_i;
    b_data_q       <= b_data_i;
    l_unit_q       <= l_p_i[UB-1:0];
    l_slot_q       <= l_slot_i;
    l_data_q       <= l_data_i;
    lp_addr_q      <= l_we_i ? l_p_i[KW-1:UB] : row_p[11];
    lw_addr_q      <= l_we_i ? l_p_i[KW-1:UB] : row_p[12];
    seed_we_q      <= u_seed_we;
    seeded_state_q <= seeded_state;
    rng_waddr_q    <= seeded_valid ? seed_p_q[KW-1:UB] : row_p[1];
    cnt_raddr_q    <= v_p[S_DEC-1] ? row_p[S_DEC-1] : r1_p_q[KW-1:UB];   // ops, else o_row
    cnt_waddr_q    <= i2_valid_q ? i2_p_q[KW-1:UB] : row_p[S_END-1];
    // init pass, step 1a
    i1a_valid_q    <= i1_valid_q;
    i1a_k_q        <= i1_k_q;
    i1a_p_q        <= i1_p_q;
    // init pass, step 1b
    i2_valid_q     <= i1a_valid_q;
    i2_k_q         <= i1a_k_q;
    i2_p_q         <= i1a_p_q;
    i2_cm          <= cm_mem[i1a_k_q[KW-1:5]];
    i2_cv          <= cv_mem[i1a_k_q[KW-1:5]];
    i2_iw          <= init_mem[i1a_k_q[KW-1:2]];
    // init pass, step 2
    init_p_q       <= i2_p_q;
    init_we_q      <= i2_valid_q;
    init_clamped_q <= i2_cm[i2_k_q[4:0]];
    init_zeta_q    <= i2_cm[i2_k_q[4:0]] ? {7'd0, i2_cv[i2_k_q[4:0]]}
                    : init_i ? i2_iw[8 * i2_k_q[1:0] +: 8] : 8'd0;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q       <= C_IDLE;
      done_o        <= 1'b0;
      sweep_end_o   <= 1'b0;
      v_p           <= '0;
      apply_p       <= '0;
      zw_p          <= '0;
      cnt_p         <= '0;
      rec_p         <= '0;
      row_p         <= '0;
      mask_p        <= '0;
      nci_q         <= '0;
      cs_q          <= '0;
      ce_q          <= '0;
      r_q           <= '0;
      rf_q          <= '0;
      rl_q          <= '0;
      last_q        <= 1'b1;
      one_q         <= 1'b1;
      apply_q       <= 1'b0;
      defer_q       <= 1'b0;
      wait_q        <= '0;
      nce_q         <= '0;
      nrl_q         <= '0;
      none_q        <= 1'b0;
      ndef_q        <= 1'b0;
      sw_cnt_q      <= 1'b0;
      sw_rec_q      <= 1'b0;
      burn_left_q   <= '0;
      thin_cnt_q    <= '0;
      sweeps_left_q <= '0;
      ip_q          <= '0;
      i1_valid_q    <= 1'b0;
      i1_k_q        <= '0;
      i1_p_q        <= '0;
      seed_back_q   <= '0;
      seed_p_q      <= '0;
      rk_q          <= '0;
      r0_v_q        <= 1'b0;
      r1_v_q        <= 1'b0;
      r2_v_q        <= 1'b0;
      r3_v_q        <= 1'b0;
      r0_i_q        <= '0;
      omode_q       <= O_REC;
      obase_q       <= '0;
      oiss_q        <= '0;
      ocol_q        <= '0;
      oword_q       <= '0;
      oemit_q       <= 1'b0;
      owords_q      <= '0;
      o_valid_o     <= 1'b0;
      o_data_o      <= '0;
      o_last_o      <= 1'b0;
    end else begin
      done_o      <= 1'b0;
      sweep_end_o <= sweep_end;

      // op pipeline
      v_p[1]     <= issue;
      apply_p[1] <= apply_q;
      zw_p[1]    <= !defer_q;
      cnt_p[1]   <= sw_cnt_q;
      rec_p[1]   <= sw_rec_q;
      row_p[1]   <= r_q;
      mask_p[1]  <= issue_mask;
      for (int s = 2; s <= S_END; s++) begin
        v_p[s]     <= v_p[s-1];
        apply_p[s] <= apply_p[s-1];
        zw_p[s]    <= zw_p[s-1];
        cnt_p[s]   <= cnt_p[s-1];
        rec_p[s]   <= rec_p[s-1];
        row_p[s]   <= row_p[s-1];
        mask_p[s]  <= mask_p[s-1];
      end
      {none_q, nrl_q, nce_q} <= cend_mem[nci_q[KW-1:0]];
      ndef_q <= defer_mem[nci_q[KW-1:0]];

      // read-out pipeline valid bits
      r1_v_q <= r0_v_q;
      r2_v_q <= r1_v_q;
      r3_v_q <= r2_v_q;
      r0_v_q <= 1'b0;

      unique case (state_q)
        C_IDLE: if (start_i) begin
          state_q     <= C_INIT;
          nci_q       <= c_i == 1 ? '0 : (KW+1)'(1);   // nce_q: its end by the first pass end
          ip_q        <= '0;
          seed_back_q <= '0;
          seed_p_q    <= '0;
          // the sweep counts (sweep_next has the next sweep's ready by C_RUN)
          burn_left_q   <= burn_in_i;
          thin_cnt_q    <= '0;
          sweeps_left_q <= sweeps_i;
          sw_cnt_q      <= burn_in_i == 0;
          sw_rec_q      <= burn_in_i == 0 && thin_i == 1;
        end
        C_INIT: begin
          // step 1 at ip; seeded states counted back in position order
          i1_valid_q <= ip_q < n_i;
          i1_k_q     <= order_mem[ip_q[KW-1:0]];
          i1_p_q     <= ip_q[KW-1:0];
          if (ip_q < n_i) ip_q <= ip_q + 1;
          if (seeded_valid) begin
            seed_back_q <= seed_back_q + 1;
            seed_p_q    <= seed_p_q + 1;
          end
          if (seed_back_q == n_i) begin
            state_q       <= C_RUN;
            i1_valid_q    <= 1'b0;
            // colour 0
            cs_q    <= '0;
            ce_q    <= c0_end_q;
            rf_q    <= '0;
            r_q     <= '0;
            rl_q    <= last_row(c0_end_q);
            last_q  <= last_row(c0_end_q) == '0;
            one_q   <= last_row(c0_end_q) == '0;
            defer_q <= c0_def_q;
            apply_q <= 1'b0;
            wait_q  <= '0;
          end
        end
        C_RUN: begin
          wait_q <= wait_q >> 1;
          if (issue) begin
            if (!pass_end) begin
              r_q    <= r_q + 1;
              last_q <= r_q + RW'(1) == rl_q;
            end else begin
              // Between a deferred colour's passes no bubble (APPLY reads ζ in s16,
              // where DECIDE writes it); before the next colour those of next_wait.
              if (!apply_q && defer_q) begin
                wait_q  <= '0;
                apply_q <= 1'b1;                   // the deferred colour's z writes
                r_q     <= rf_q;
                last_q  <= one_q;
              end else begin
                wait_q  <= next_wait;
                apply_q <= 1'b0;
                nci_q   <= nci_q + 1 == c_i ? '0 : nci_q + 1;
                cs_q    <= nci_q == '0 ? '0 : ce_q[UB-1:0];
                ce_q    <= nce_q;
                rf_q    <= nci_q == '0 ? '0 : ce_q[KW-1:UB];
                r_q     <= nci_q == '0 ? '0 : ce_q[KW-1:UB];
                rl_q    <= nrl_q;
                last_q  <= none_q;                 // its first row is its last
                one_q   <= none_q;
                defer_q <= ndef_q;
              end
            end
          end
          if (sweep_end) begin
            burn_left_q   <= burn_left_n;
            thin_cnt_q    <= thin_cnt_n;
            sweeps_left_q <= sweeps_left_n;
            sw_cnt_q      <= next_cnt;
            sw_rec_q      <= next_rec;
            if (sw_rec_q && record_i) begin
              state_q  <= C_RECWAIT;
              omode_q  <= O_REC;
            end else if (next_last) begin
              state_q  <= C_DRAIN;
              omode_q  <= O_ON;
            end
          end
        end
        C_RECWAIT, C_DRAIN: if (v_p == '0) begin
          state_q  <= state_q == C_RECWAIT ? C_RECOUT : C_OUT;
          obase_q  <= '0;
          oiss_q   <= '0;
          ocol_q   <= '0;
          oword_q  <= '0;
          oemit_q  <= 1'b0;
          owords_q <= '0;
        end
        C_RECOUT, C_OUT, C_FINAL: begin
          if (!oemit_q) begin
            // ask for the word's items one a cycle, collect them three cycles later
            if (oiss_q < oitems) begin
              r0_v_q <= 1'b1;
              rk_q   <= rk_next;
              r0_i_q <= oiss_q[4:0];
              oiss_q <= oiss_q + 1;
            end
            if (r3_v_q) begin
              ocol_q <= ocol_q + 1;
              unique case (omode_q)
                O_REC:   oword_q[r3_i_q] <= r3_k_q < n_i && r3_z_q;
                O_FINAL: oword_q[8 * r3_i_q[1:0] +: 8] <= r3_k_q < n_i ? r3_zeta_q : 8'd0;
                O_ON:    oword_q <= !r3_clamped_q ? r3_on_q : r3_cval_q ? sweeps_i : '0;
                default: oword_q <= r3_spike_q;
              endcase
              if (ocol_q + 1 == oitems) oemit_q <= 1'b1;
            end
          end else if (!o_valid_o) begin
            o_valid_o <= 1'b1;
            o_data_o  <= oword_q;
            o_last_o  <= omode_q == O_FINAL && owords_q == zw_m1_q;
          end else if (o_ready_i) begin
            o_valid_o <= 1'b0;
            o_last_o  <= 1'b0;
            oemit_q   <= 1'b0;
            oiss_q    <= '0;
            ocol_q    <= '0;
            oword_q   <= '0;
            obase_q   <= obase_q + (KW+1)'(oitems);
            owords_q  <= owords_q + 1;
            unique case (omode_q)
              O_REC: if (owords_q == sw_m1_q) begin
                state_q <= sweeps_left_q == 0 ? C_DRAIN : C_RUN;
                omode_q <= O_ON;
              end
              O_ON: if (owords_q == n_m1_q) begin
                omode_q  <= O_SPIKE;
                obase_q  <= '0;
                owords_q <= '0;
              end
              O_SPIKE: if (owords_q == n_m1_q) begin
                omode_q  <= O_FINAL;
                state_q  <= C_FINAL;
                obase_q  <= '0;
                owords_q <= '0;
              end
              default: if (o_last_o) begin
                state_q <= C_IDLE;
                done_o  <= 1'b1;
              end
            endcase
          end
        end
        default: state_q <= C_IDLE;
      endcase
    end
  end

  logic unused;
  assign unused = ^{seeded_id, r1_v_q, r2_v_q, r3_k_q[KW], rk_q[KW], ce_q[KW]};
endmodule
