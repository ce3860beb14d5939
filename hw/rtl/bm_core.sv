// The sampling engine of bm_sampler (spec §3.2, §3.3): per-neuron state, the sweep
// pipeline over P lanes, recording and the count read-out.
//
// A free neuron k is issued for B = ceil(N/P) beats; beat b makes lane p read
// W[k][bP+p]. Pipeline (docs/rtl.md): I (lane read, bias read) -> W (lane weights
// registered; the colour's snapshot) -> A (lane partial
// sums, bias - ln tau) -> T1 (lane sums in groups of 8; the late weight if its z is
// 1; RNG state read) -> T2 (the rest of the tree; sigmoid ROM read at the potential's
// index bits, range and sign registered; ζ and spike count read) -> R (sigmoid
// value clamped and registered; ζ > 1, ζ - 1, count + 1; the draw) -> U (spike
// decision: one compare and selects; writes). Neurons
// issue back to back and read z from `z_snap`, the state as their colour started
// (spec §3.1: the update within a colour is simultaneous). A colour may start while
// one neuron of an earlier colour (the "late" neuron) is still before U: the
// snapshot then lacks that neuron's new z, so every neuron of the colour leaves the
// late column out of its lane sums, keeps W[k][late] in the lane that read it, and
// picks it in T1 by z_live, where the late neuron's write has landed by then. A
// colour therefore starts only when at most one neuron is in flight (A to R) and
// that one is far enough on: for B >= 4 always, else after 4 - B bubbles. A sweep
// drains before the recording decision. ζ starts from the frame's initial
// state (or 0; a clamped neuron's is its value) and ends the payload as the final
// state (spec v2).
module bm_core #(
  parameter int unsigned P     = 4,
  parameter int unsigned N_MAX = 256
) (
  input  logic                       clk_i,
  input  logic                       rst_ni,
  // run configuration, stable from start_i to done_o
  input  logic [$clog2(N_MAX):0]     n_i,
  input  logic [$clog2(N_MAX):0]     free_i,      // free (scheduled) neurons
  input  logic [7:0]                 tau_i,
  input  logic [63:0]                seed_i,
  input  logic [31:0]                sweeps_i,
  input  logic [31:0]                burn_in_i,
  input  logic [31:0]                thin_i,
  input  logic                       record_i,
  input  logic [N_MAX-1:0]           z_init_i,    // z at the start (clamped neurons at their value)
  input  logic                       init_i,      // ζ from the initial-state words, not z_init_i
  input  logic                       iw_we_i,     // initial-state word: ζ of neurons 4w..4w+3
  // INIT words hold 4 neurons each, so their address stays below N_MAX / 4
  /* verilator lint_off UNUSEDSIGNAL */
  input  logic [$clog2(N_MAX)-1:0]   iw_addr_i,
  /* verilator lint_on UNUSEDSIGNAL */
  input  logic [31:0]                iw_data_i,
  // model load
  input  logic                       w_we_i,
  input  logic [$clog2(N_MAX)-1:0]   w_row_i,
  input  logic [$clog2(N_MAX)-1:0]   w_col_i,
  input  logic [15:0]                w_data_i,
  input  logic                       b_we_i,
  input  logic [$clog2(N_MAX)-1:0]   b_addr_i,
  input  logic [15:0]                b_data_i,
  input  logic                       s_we_i,      // schedule entry: colour start, neuron
  input  logic [$clog2(N_MAX)-1:0]   s_addr_i,
  input  logic                       s_cs_i,
  input  logic [$clog2(N_MAX)-1:0]   s_k_i,
  // run
  input  logic                       start_i,
  output logic                       done_o,
  output logic                       sweep_end_o,  // one pulse per completed sweep
  // payload stream: recorded states, on counts, spike counts (TLAST on the last)
  output logic                       o_valid_o,
  output logic [31:0]                o_data_o,
  output logic                       o_last_o,
  input  logic                       o_ready_i
);
  import npq_pkg::*;

  localparam int unsigned KW  = $clog2(N_MAX);
  localparam int unsigned NB  = N_MAX / P;          // beats of the largest row
  localparam int unsigned BW  = $clog2(NB);

  typedef enum logic [2:0] {C_IDLE, C_INIT, C_SWEEP, C_DRAIN, C_REC_ON, C_REC_OUT, C_OUT,
    C_FINAL} state_e;
  state_e state_q;

  // ---------------------------------------------------------------- per-neuron memories
  logic signed [15:0] bias_mem  [N_MAX];
  logic [7:0]         zeta_mem  [N_MAX];
  logic [127:0]       rng_mem   [N_MAX];
  logic [31:0]        spike_mem [N_MAX];
  // the schedule in LUT-RAM: read into registers a position ahead (cur, nxt), where
  // a block RAM's read enable would put the issue decision in front of its setup
  (* ram_style = "distributed" *) logic sched_cs [N_MAX];
  logic [31:0]        init_mem  [N_MAX / 4];   // the initial state, as the frame sends it
  (* ram_style = "distributed" *) logic [KW-1:0] sched_k [N_MAX];

  logic [N_MAX-1:0]   z_live_q, z_live_next, z_snap_q;

  // Derived sizes, registered: N is set long before start_i (frame field N)
  logic [KW:0]  beats, last_beat_idx;   // B = ceil(N / P), B - 1
  logic [KW:0]  state_words;
  always_ff @(posedge clk_i) begin
    beats         <= (n_i + (KW+1)'(P - 1)) / (KW+1)'(P);
    last_beat_idx <= (n_i + (KW+1)'(P - 1)) / (KW+1)'(P) - (KW+1)'(1);
  end
  assign state_words = (n_i + (KW+1)'(31)) >> 5;

  // τ is stable through the run: its ln τ is a register, not a ROM in front of A
  always_ff @(posedge clk_i) lntau_q <= lntau_lut(tau_i);

  // ---------------------------------------------------------------- seeding
  logic         seed_valid, seeded_valid;
  logic [31:0]  seed_id;
  // stream ids are neuron indices, below N_MAX: the upper id bits stay unused
  /* verilator lint_off UNUSEDSIGNAL */
  logic [31:0]  seeded_id;
  /* verilator lint_on UNUSEDSIGNAL */
  logic [127:0] seeded_state;

  npq_stream_seed u_seed (
    .clk_i, .rst_ni,
    .valid_i(seed_valid), .seed_i(seed_i), .id_i(seed_id),
    .valid_o(seeded_valid), .id_o(seeded_id), .state_o(seeded_state)
  );

  // ---------------------------------------------------------------- counters
  logic [KW:0]   idx_q;       // init / record / output index
  logic [KW:0]   m_q;         // schedule position
  logic [KW:0]   beat_q;
  logic [31:0]   burn_left_q, thin_cnt_q, sweeps_left_q;
  logic [KW-1:0] out_k_q;     // read-out: the neuron of the count word
  logic          out_on_q;    // its on count (else its spike count)
  logic [1:0]    out_phase_q;

  // ---------------------------------------------------------------- pipeline registers
  logic              x_valid_q, x_first_q, x_last_q, x_cs_q;   // stage W: lane weights registered
  logic [KW-1:0]     x_k_q;
  logic [KW:0]       x_beat_q;
  logic              a_valid_q, a_first_q, a_last_q;
  logic [KW-1:0]     a_k_q;
  logic [KW:0]       a_beat_q;
  logic              t1_valid_q, t2_valid_q, r_valid_q, u_valid_q;
  logic [KW-1:0]     t1_k_q, t2_k_q, r_k_q, u_k_q;
  // the late neuron of the colour being summed (A) and of the neuron in T1
  logic              late_en_q, t1_late_en_q;
  logic [KW-1:0]     late_k_q, t1_late_k_q;
  logic signed [15:0] bias_i_q, bias_x_q; // bias of the neuron issued (read in I), in A
  logic signed [31:0] bias_lnt_q;        // its bias - ln tau, formed in A
  logic [15:0]       lntau_q;
  localparam int unsigned G = (P + 7) / 8;   // lane groups summed in T1
  logic signed [31:0] grp_q [G];         // T1: sums of 8 lanes
  logic signed [31:0] bias_t2_q;         // T1: bias - ln tau, for T2
  logic signed [15:0] late_add_q;        // T1: the late weight if its z is 1, else 0
  logic [23:0]       p_rom;              // sigmoid ROM output (read in T2)
  logic              idx_in_range_q, v_neg_q;
  logic [23:0]       p_q;                // the sigmoid value, clamped, registered in R
  logic [7:0]        zeta_rd, zeta_dec_q;  // ζ read in T2 (also the read-out); ζ - 1 in R
  logic              refractory_q;         // ζ > 1, formed in R
  logic [127:0]      rng_rd, rng_r_q, rng_q;   // RNG state: read in T1, registered in T2
  logic [23:0]       draw_q;           // its draw >> 8 (spec §3.2), computed in R
  logic [31:0]       spike_rd, spike_r_q, spike_q, spike_inc_q;  // spike count read in T1,
                                                            // registered in T2, +1 in R

  // ---------------------------------------------------------------- lanes
  logic signed [31:0] acc [P];
  logic signed [15:0] lane_late_w [P];
  logic [31:0]        on_rd [P];
  logic               issue;
  logic               on_clear, on_add;
  logic [BW-1:0]      on_addr;

  // The schedule entry at m (cur) and the one after it (nxt) are registers, read a
  // position ahead: the LUT-RAM read does not sit in front of the lanes' addresses and
  // the issue decision. The positions wrap at the free neurons, as the sweeps do;
  // C_INIT loads the first two.
  logic              cur_cs, nxt_cs;
  logic [KW-1:0]     cur_k, nxt_k;
  logic [KW-1:0]     sched_ptr_q;     // the position nxt is read from next
  logic              sched_adv;       // cur <= nxt, nxt <= the next position

  for (genvar p = 0; p < P; p++) begin : g_lane
    logic [KW-1:0] col;      // the column of the beat in A: below N_MAX
    logic [KW:0]   on_col;
    logic          in_n_q;   // and below N (from W)
    assign col    = KW'(a_beat_q * (KW+1)'(P) + (KW+1)'(p));
    assign on_col = idx_q * (KW+1)'(P) + (KW+1)'(p);
    always_ff @(posedge clk_i) in_n_q <= x_beat_q * (KW+1)'(P) + (KW+1)'(p) < n_i;
    bm_lane #(.P(P), .LANE(p), .N_MAX(N_MAX)) u_lane (
      .clk_i,
      .w_we_i     (w_we_i && (32'(w_col_i) % P) == p),
      .w_row_i    (w_row_i),
      .w_beat_i   (BW'(32'(w_col_i) / P)),
      .w_data_i   (w_data_i),
      .rd_en_i    (1'b1),            // every cycle: no issue decision before the RAM
      .rd_row_i   (cur_k),
      .rd_beat_i  (beat_q[BW-1:0]),
      .acc_en_i   (a_valid_q),
      .acc_first_i(a_first_q),
      .acc_use_i  (in_n_q && z_snap_q[col] && !(late_en_q && col == late_k_q)),
      .late_hit_i (col == late_k_q),
      .acc_o      (acc[p]),
      .late_w_o   (lane_late_w[p]),
      .on_clear_i (on_clear),
      .on_add_i   (on_add),
      .on_addr_i  (on_addr),
      .on_z_i     (on_col < (KW+1)'(N_MAX) && z_live_q[on_col[KW-1:0]]),
      .on_rd_o    (on_rd[p])
    );
  end

  // ---------------------------------------------------------------- issue (stage I)
  // A colour's first neuron snapshots z_live_next, which holds every write up to U,
  // when its first beat is in W. At most one earlier neuron may then be in A, T1, T2
  // or R (it becomes the late neuron); one d stages past A (d = 0..3) has its z in
  // z_live_q 5 - d cycles later, and the new neuron reads it in T1, B + 1 cycles
  // after the snapshot: in time iff d >= 4 - B. The issue decision looks one stage
  // earlier (W, A, T1, T2 now are A, T1, T2, R at the snapshot); beats are
  // contiguous, so only last beats count as neurons in flight.
  logic colour_ok, late_in_flight;
  logic [KW-1:0] late_k;
  logic          b_ge2_q, b_ge3_q, b_ge4_q;    // B >= 2, 3, 4
  always_ff @(posedge clk_i) begin
    b_ge2_q <= beats >= (KW+1)'(2);
    b_ge3_q <= beats >= (KW+1)'(3);
    b_ge4_q <= beats >= (KW+1)'(4);
  end
  always_comb begin
    if (x_valid_q && x_last_q)      colour_ok = !(a_valid_q && a_last_q) && !t1_valid_q &&
                                                !t2_valid_q && b_ge4_q;
    else if (a_valid_q && a_last_q) colour_ok = !t1_valid_q && !t2_valid_q && b_ge3_q;
    else if (t1_valid_q)            colour_ok = !t2_valid_q && b_ge2_q;
    else                            colour_ok = 1'b1;
  end
  assign late_in_flight = a_valid_q || t1_valid_q || t2_valid_q || r_valid_q;
  assign late_k         = a_valid_q ? a_k_q : t1_valid_q ? t1_k_q : t2_valid_q ? t2_k_q : r_k_q;
  assign issue = state_q == C_SWEEP && free_i != 0 &&
                 (beat_q != 0 || !cur_cs || colour_ok);

  logic last_beat;
  assign last_beat = beat_q == last_beat_idx;

  assign sched_adv = issue && last_beat;
  always_ff @(posedge clk_i) begin
    if (state_q == C_IDLE) begin
      sched_ptr_q <= '0;
    end else if (sched_adv || (state_q == C_INIT && idx_q < (KW+1)'(2))) begin
      cur_cs      <= nxt_cs;
      cur_k       <= nxt_k;
      nxt_cs      <= sched_cs[sched_ptr_q];
      nxt_k       <= sched_k[sched_ptr_q];
      sched_ptr_q <= (KW+1)'(sched_ptr_q) + (KW+1)'(1) == free_i ? '0 : sched_ptr_q + 1;
    end
  end

  // ---------------------------------------------------------------- stages T1, T2
  // T1 adds the lane sums in groups of 8 (three levels of adders) and picks the late
  // weight (lane late % P kept it, W[k][late], on beat late / P) if the late
  // neuron's new z is 1; T2 adds the groups, the bias and that weight. The potential
  // is exact in 32 bits, so the split does not change it.
  logic signed [31:0] grp [G];
  always_comb begin
    for (int unsigned g = 0; g < G; g++) begin
      grp[g] = '0;
      for (int unsigned p = 8 * g; p < 8 * g + 8 && p < P; p++) grp[g] = grp[g] + acc[p];
    end
  end
  // sigmoid index clamp((v >> 4) + 512, 0, 1023): (v >> 4) + 512 is in range iff
  // v >> 4 fits 10 signed bits, i.e. v[31:13] is all sign, and then adding 512 flips
  // its top bit. The ROM is read at {~v[13], v[12:4]} whatever the range (those bits
  // of a sum settle first); R replaces the value by the end of the table outside it.
  // the index takes v >> 4: the low four bits of the potential are unused
  /* verilator lint_off UNUSEDSIGNAL */
  logic signed [31:0] v;              // potential - ln tau
  /* verilator lint_on UNUSEDSIGNAL */
  always_comb begin
    v = bias_t2_q + 32'(late_add_q);
    for (int unsigned g = 0; g < G; g++) v = v + grp_q[g];
  end

  // ---------------------------------------------------------------- stage U
  // the spike test uses r >> 8 (spec §3.2): the low byte of the draw is unused
  /* verilator lint_off UNUSEDSIGNAL */
  logic [31:0]  draw;
  /* verilator lint_on UNUSEDSIGNAL */
  logic         may_fire, fire, spike;
  logic [7:0]   zeta_new;
  logic         counting;
  assign counting = burn_left_q == 0;
  assign draw     = xoshiro_draw(rng_r_q[63:32]);
  assign may_fire = !refractory_q;
  assign fire     = draw_q < p_q;
  assign spike    = may_fire && fire;
  assign zeta_new = may_fire ? (fire ? tau_i : 8'd0) : zeta_dec_q;

  always_comb begin
    z_live_next = z_live_q;
    // ζ' != 0: still refractory (ζ - 1 >= 1), or fired (τ >= 1)
    if (u_valid_q) z_live_next[u_k_q] = refractory_q || fire;
  end

  // ---------------------------------------------------------------- memories
  // One write port per per-neuron memory, so that they map to RAM: C_INIT clears ζ
  // and the spike count and the seeder fills the RNG states, U writes them back
  // during the sweeps; the two never overlap (the seeder is done before C_SWEEP and
  // the pipeline is empty outside it).
  logic                neuron_we, rng_we;
  logic [KW-1:0]       neuron_addr, rng_addr;
  logic [7:0]          zeta_wdata;
  logic [31:0]         spike_wdata;
  logic [127:0]        rng_wdata;
  // C_INIT's writes are registered (ζ from the LUT-RAM's byte select): one cycle
  // later, still inside C_INIT
  logic                init_we_q;
  logic [KW-1:0]       init_addr_q;
  logic [7:0]          zeta_init_q;
  assign neuron_we   = u_valid_q || init_we_q;
  assign neuron_addr = u_valid_q ? u_k_q : init_addr_q;
  // C_INIT: ζ from the initial state, else z_init (0 or a clamped neuron's value)
  logic [31:0]         init_word;
  logic [7:0]          zeta_init;
  assign init_word   = init_mem[idx_q[KW-1:2]];
  assign zeta_init   = init_i ? init_word[8 * idx_q[1:0] +: 8] : {7'd0, z_init_i[idx_q[KW-1:0]]};
  assign zeta_wdata  = u_valid_q ? zeta_new : zeta_init_q;
  always_ff @(posedge clk_i) begin
    init_we_q   <= state_q == C_INIT && idx_q < (KW+1)'(n_i);
    init_addr_q <= idx_q[KW-1:0];
    zeta_init_q <= zeta_init;
  end
  assign spike_wdata = u_valid_q ? (spike && counting ? spike_inc_q : spike_q) : 32'd0;
  assign rng_we      = u_valid_q || seeded_valid;
  assign rng_addr    = u_valid_q ? u_k_q : seeded_id[KW-1:0];
  assign rng_wdata   = u_valid_q ? xoshiro_next(rng_q) : seeded_state;


  always_ff @(posedge clk_i) begin
    if (b_we_i) bias_mem[b_addr_i] <= b_data_i;
    if (iw_we_i) init_mem[iw_addr_i[KW-3:0]] <= iw_data_i;
    if (s_we_i) begin
      sched_cs[s_addr_i] <= s_cs_i;
      sched_k[s_addr_i]  <= s_k_i;
    end
    // the bias is read in I and ln tau subtracted in A: T1 sees a register, not the
    // block RAM's slow output
    bias_i_q   <= bias_mem[cur_k];
    bias_x_q   <= bias_i_q;
    bias_lnt_q <= 32'(bias_x_q) - 32'(lntau_q);
    // T1: the lane groups; the late weight joins the bias
    for (int unsigned g = 0; g < G; g++) grp_q[g] <= grp[g];
    bias_t2_q  <= bias_lnt_q;
    late_add_q <= t1_late_en_q && z_live_q[t1_late_k_q] ? lane_late_w[32'(t1_late_k_q) % P] : 16'sd0;
    // T2: the sigmoid ROM at the index bits, its range and the sign beside it
    p_rom          <= sigmoid_lut({~v[13], v[12:4]});
    idx_in_range_q <= v[31:13] == '0 || v[31:13] == '1;
    v_neg_q        <= v[31];
    // R: the clamped sigmoid value, registered before the spike test in U
    p_q <= idx_in_range_q ? p_rom : (v_neg_q ? sigmoid_lut(10'd0) : sigmoid_lut(10'd1023));
    // the RNG state is read in T1 and registered in T2, so that the draw's two
    // multiplies in R start from a flip-flop, and U only compares
    rng_rd  <= rng_mem[t1_k_q];
    rng_r_q <= rng_rd;
    rng_q   <= rng_r_q;
    draw_q  <= draw[31:8];
    // ζ is read in T2, the spike count in T1 (also the read-outs); R forms what U
    // needs from them, so that U starts from flip-flops, not from memory outputs
    zeta_rd      <= zeta_mem[state_q == C_FINAL ? idx_q[KW-1:0] : t2_k_q];
    refractory_q <= zeta_rd > 8'd1;
    zeta_dec_q   <= zeta_rd - 8'd1;
    spike_rd    <= spike_mem[state_q == C_OUT ? out_k_q : t1_k_q];
    spike_r_q   <= spike_rd;
    spike_q     <= spike_r_q;
    spike_inc_q <= spike_r_q + 32'd1;
    if (neuron_we) begin
      zeta_mem[neuron_addr]  <= zeta_wdata;
      spike_mem[neuron_addr] <= spike_wdata;
    end
    if (rng_we) rng_mem[rng_addr] <= rng_wdata;
  end

  // Lanes' on-count port: cleared in C_INIT, accumulated in C_REC_ON, read in C_OUT.
  assign on_clear = state_q == C_INIT && idx_q < beats;
  assign on_add   = state_q == C_REC_ON && idx_q < beats;
  assign on_addr  = state_q == C_OUT ? BW'(32'(out_k_q) / P) : idx_q[BW-1:0];

  assign seed_valid = state_q == C_INIT && idx_q < (KW+1)'(n_i);
  assign seed_id    = 32'(idx_q);

  // ---------------------------------------------------------------- control
  logic [31:0] record_word;
  logic [31:0] final_word_q;    // four ζ bytes of the final state
  assign record_word = z_live_q[idx_q[KW-1:0] * 32 +: 32];

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q       <= C_IDLE;
      done_o        <= 1'b0;
      sweep_end_o   <= 1'b0;
      x_valid_q     <= 1'b0;
      a_valid_q     <= 1'b0;
      t1_valid_q    <= 1'b0;
      t2_valid_q    <= 1'b0;
      r_valid_q     <= 1'b0;
      u_valid_q     <= 1'b0;
      o_valid_o     <= 1'b0;
      o_last_o      <= 1'b0;
      o_data_o      <= '0;
      idx_q         <= '0;
      m_q           <= '0;
      beat_q        <= '0;
      burn_left_q   <= '0;
      thin_cnt_q    <= '0;
      sweeps_left_q <= '0;
      out_k_q       <= '0;
      out_on_q      <= 1'b0;
      out_phase_q   <= '0;
      final_word_q  <= '0;
      z_live_q      <= '0;
      z_snap_q      <= '0;
      x_first_q     <= 1'b0;
      x_last_q      <= 1'b0;
      x_cs_q        <= 1'b0;
      x_k_q         <= '0;
      x_beat_q      <= '0;
      a_first_q     <= 1'b0;
      a_last_q      <= 1'b0;
      a_k_q         <= '0;
      a_beat_q      <= '0;
      t1_k_q        <= '0;
      t2_k_q        <= '0;
      r_k_q         <= '0;
      u_k_q         <= '0;
      late_en_q     <= 1'b0;
      late_k_q      <= '0;
      t1_late_en_q  <= 1'b0;
      t1_late_k_q   <= '0;
    end else begin
      done_o      <= 1'b0;
      sweep_end_o <= 1'b0;

      // pipeline advance (no stalls inside: latency is fixed)
      x_valid_q <= issue;
      x_first_q <= beat_q == 0;
      x_last_q  <= last_beat;
      x_cs_q    <= cur_cs;
      x_k_q     <= cur_k;
      x_beat_q  <= beat_q;
      a_valid_q <= x_valid_q;
      a_first_q <= x_first_q;
      a_last_q  <= x_last_q;
      a_k_q     <= x_k_q;
      a_beat_q  <= x_beat_q;
      t1_valid_q <= a_valid_q && a_last_q;
      t1_k_q     <= a_k_q;
      if (a_valid_q && a_last_q) begin
        t1_late_en_q <= late_en_q;
        t1_late_k_q  <= late_k_q;
      end
      t2_valid_q <= t1_valid_q;
      t2_k_q     <= t1_k_q;
      r_valid_q  <= t2_valid_q;
      r_k_q      <= t2_k_q;
      u_valid_q  <= r_valid_q;
      u_k_q      <= r_k_q;
      z_live_q  <= z_live_next;
      if (x_valid_q && x_first_q && x_cs_q) begin
        z_snap_q  <= z_live_next;
        late_en_q <= late_in_flight;
        late_k_q  <= late_k;
      end

      unique case (state_q)
        C_IDLE: if (start_i) begin
          state_q <= C_INIT;
          idx_q   <= '0;
        end
        C_INIT: begin
          // seed every stream, clear ζ, spike and on counts; wait out the seeder
          idx_q <= idx_q + 1;
          if (idx_q == (KW+1)'(n_i) + (KW+1)'(SEED_LATENCY + 1)) begin
            z_live_q      <= z_init_i;
            burn_left_q   <= burn_in_i;
            thin_cnt_q    <= '0;
            sweeps_left_q <= sweeps_i;
            m_q           <= '0;
            beat_q        <= '0;
            state_q       <= C_SWEEP;
          end
        end
        C_SWEEP: begin
          if (free_i == 0) begin
            state_q <= C_DRAIN;
          end else if (issue) begin
            if (last_beat) begin
              beat_q <= '0;
              m_q    <= m_q + 1;
              if (m_q == free_i - 1) state_q <= C_DRAIN;
            end else begin
              beat_q <= beat_q + 1;
            end
          end
        end
        C_DRAIN: if (!x_valid_q && !late_in_flight && !u_valid_q) begin
          sweep_end_o <= 1'b1;
          m_q         <= '0;
          idx_q       <= '0;
          if (burn_left_q != 0) begin
            burn_left_q <= burn_left_q - 1;
            state_q     <= C_SWEEP;
          end else if (thin_cnt_q + 1 == thin_i) begin
            thin_cnt_q <= '0;
            state_q    <= C_REC_ON;
          end else begin
            thin_cnt_q <= thin_cnt_q + 1;
            state_q    <= C_SWEEP;
          end
        end
        C_REC_ON: begin
          // one bank address per cycle, plus one for the last write-back
          idx_q <= idx_q + 1;
          if (idx_q == beats) begin
            idx_q   <= '0;
            state_q <= record_i ? C_REC_OUT : C_SWEEP;
            if (!record_i) begin
              sweeps_left_q <= sweeps_left_q - 1;
              if (sweeps_left_q == 1) begin
                state_q     <= C_OUT;
                out_k_q     <= '0;
                out_on_q    <= 1'b1;
                out_phase_q <= '0;
              end
            end
          end
        end
        C_REC_OUT: begin
          if (!o_valid_o || o_ready_i) begin
            if (idx_q < state_words) begin
              o_valid_o <= 1'b1;
              o_data_o  <= record_word;
              o_last_o  <= 1'b0;
              idx_q     <= idx_q + 1;
            end else begin
              o_valid_o     <= 1'b0;
              sweeps_left_q <= sweeps_left_q - 1;
              state_q       <= C_SWEEP;
              if (sweeps_left_q == 1) begin
                state_q     <= C_OUT;
                out_k_q     <= '0;
                out_on_q    <= 1'b1;
                out_phase_q <= '0;
              end
            end
          end
        end
        C_OUT: begin
          // N on counts, then N spike counts; phase 0: address neuron out_k; 1: memory
          // output ready; 2: the word from registers; 3: hold until taken
          unique case (out_phase_q)
            2'd0: out_phase_q <= 2'd1;
            2'd1: out_phase_q <= 2'd2;
            2'd2: begin
              o_valid_o   <= 1'b1;
              o_data_o    <= out_on_q ? on_rd[32'(out_k_q) % P] : spike_r_q;
              o_last_o    <= 1'b0;
              out_phase_q <= 2'd3;
            end
            default: if (o_ready_i) begin
              o_valid_o   <= 1'b0;
              out_phase_q <= 2'd0;
              out_k_q     <= out_k_q + 1;
              if ((KW+1)'(out_k_q) == n_i - 1) begin
                out_k_q  <= '0;
                out_on_q <= 1'b0;
                if (!out_on_q) begin
                  state_q <= C_FINAL;
                  idx_q   <= '0;
                end
              end
            end
          endcase
        end
        C_FINAL: begin
          // the final state, ⌈N/4⌉ words: phase 0 reads ζ of neuron idx; 1 puts it in
          // its byte (0 past N); 2 sends the word after its fourth byte; 3 holds it
          unique case (out_phase_q)
            2'd0: out_phase_q <= 2'd1;
            2'd1: begin
              final_word_q[8 * idx_q[1:0] +: 8] <= idx_q < n_i ? zeta_rd : 8'd0;
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
              o_last_o    <= idx_q + 1 >= n_i;
              out_phase_q <= 2'd3;
            end
            default: if (o_ready_i) begin
              o_valid_o   <= 1'b0;
              o_last_o    <= 1'b0;
              out_phase_q <= 2'd0;
              idx_q       <= idx_q + 1;
              if (o_last_o) begin
                state_q <= C_IDLE;
                done_o  <= 1'b1;
              end
            end
          endcase
        end
        default: state_q <= C_IDLE;
      endcase
    end
  end
endmodule
