// One lane of bn_sampler (docs/spec.md §2.2, §2.3): BATCH sample neurons that
// follow the lockstep schedule of bn_ctrl, one issue slot per cycle.
//
// Variable loop, per (variable i, sample b), stage by stage (one cycle each):
//   A  read the stream state of sample b, the parents' values x[b][parent] and,
//      for the readout, the previous round's x[b][i] and spike count n[b]
//   B  draw r (sampled variables); P  x[parent] * stride (after the RAM's word is
//      registered); readout accumulation
//   Q, S  row address a0 = base + sum of those products
//   R, D, G  read the row's card - 1 thresholds at once, register them, u >= C[k]
//   W  x = #{k : u >= C[k]} (or the observed state), write x[b][i] and the
//      log-weight
// The table is interleaved over 16 banks (word a in bank a mod 16), so the at
// most 15 consecutive words of a row sit in distinct banks: one variable of one
// sample per cycle, whatever its cardinality.
// Threshold step, per sample b (after the variable loop):
//   A  read NLW; B  d = NLW - OFFSET; P, Q  EXP2_LUT; S  R_MAX * 2^frac;
//   R  firing threshold F; D  F registered; G  F * T * LOG2E_Q16 as digit
//   products of at most 18 x 18 bits; W  their sums per weight; X  Λ = the total
//   >> 24, written with live = F > 0
// Then the Poisson window (bn_poisson): the lane's samples one after the other,
// one draw per cycle, each writing its spike count n[b]. It runs while the issue
// slots go on with the next round (bn_ctrl), so the memories the two share are
// banked by round: x and n by round parity (cmd half), the stream states by round
// index mod 3 (cmd sbank: the loop's round, the units' round before it, the
// seeder's round after it).
//
// Samples of a batch take consecutive slots, so a value written in stage W or
// earlier for sample b is read again BATCH (> 8) cycles later: no forwarding is
// needed.
//
// Readout: while round j samples variable i, the x[b][i] of its bank that it is
// about to overwrite still holds round j-2's value, so count[i][x] += n[b] for
// round j-2 (whose n the units wrote during round j-1) costs no extra cycles. The per-state sums of one variable are flushed to
// the count memory (one state per cycle) while the next variable runs.
module bn_lane
  import bn_base_pkg::*;
#(
  parameter int unsigned TABLE_MAX = 32768,
  parameter int unsigned V_MAX     = 128
) (
  input  logic               clk_i,
  input  logic               rst_ni,
  // the lane's port of its table pair (bn_table_pair): a row per bank, the word registered
  output logic [(1<<KW)-1:0][TAW-KW-1:0] bank_row_o,
  input  logic [(1<<KW)-1:0][16:0]       bank_word_i,
  // table read for the OFFSET pass of bn_ctrl (takes the port while the lanes idle)
  input  logic               tbl_ext_i,
  input  logic [TAW-1:0]     tbl_ext_addr_i,
  output logic [16:0]        tbl_rdata_o,
  // seeding of the next round's streams (the seeder in bn_sampler): the state of
  // sample seed_b_i of this lane
  input  logic               seed_we_i,
  input  logic [1:0]         seed_sbank_i,  // held while the seeds arrive
  input  logic [BW-1:0]      seed_b_i,
  input  logic [127:0]       seed_state_i,
  // schedule
  input  cmd_t               cmd_i,
  input  logic [BW:0]        n_active_i,   // samples b < n_active_i exist in this round
  input  logic [LW-1:0]      offset_i,
  input  logic [15:0]        rmax_i,
  input  logic [TKW-1:0]     tk_i,          // T * LOG2E_Q16
  input  logic [NW-1:0]      window_i,      // T
  input  logic               win_start_i,   // the round's Λ are written: run the window
  input  logic               win_half_i,    // that round's n bank and stream-state bank,
  input  logic [1:0]         win_sbank_i,   // held while the window runs
  output logic               win_busy_o,
  // the per-state sums of one variable, one state per cycle, to bn_counts
  output logic               flush_valid_o,
  output logic [CAW-1:0]     flush_addr_o,
  output logic               flush_rfirst_o,
  output logic [NW+BW-1:0]   flush_add_o
);

  // Memories indexed by variable hold 2^VIW entries: the build's V_MAX, rounded up.
  localparam int unsigned VIW    = (V_MAX > 1) ? $clog2(V_MAX) : 1;
  localparam int unsigned XDEPTH = 2 * BATCH << VIW;   // two rounds
  localparam int unsigned AW     = NW + BW;   // per-state sum over one batch
  localparam int unsigned CARD_N = 1 << KW;
  localparam int unsigned TIW    = $clog2(TABLE_MAX);   // table index; addresses stay below TW
  localparam int unsigned NBANK  = 1 << KW;              // >= CARD_MAX - 1 thresholds per row

  // ---------------------------------------------------------------- memories
  logic [127:0]   st_mem0 [BATCH];
  logic [127:0]   st_mem1 [BATCH];
  logic [127:0]   st_mem2 [BATCH];
  logic [KW-1:0]  x_mem   [XDEPTH];     // read at PMAX + 1 addresses per cycle
  logic [NW-1:0]  n_mem   [2 * BATCH];
  logic [LW-1:0]  nlw_mem [BATCH];
  logic           dead_mem[BATCH];
  logic [LAMW-1:0] lam_mem [BATCH];
  logic           live_mem [BATCH];

  // ---------------------------------------------------------------- stages A, B
  // The stream state of sample b is read in A and registered; B draws from it and
  // writes the next state back (sample b's next slot is BATCH cycles later).
  cmd_t         cmd_b;
  logic [127:0] st_b;
  logic [31:0]  r_draw;
  logic         draw_b;

  assign r_draw = npq_pkg::xoshiro_draw(st_b[63:32]);
  assign draw_b = cmd_b.valid && !cmd_b.spike && cmd_b.sample && !cmd_b.d.ev;

  // The stream state is read for the issue slot (bank of the slot's round) and for
  // the Poisson unit (bank of the round before). The seeder fills the bank of the
  // round after: the three never meet in one bank.
  logic          pu_busy;
  logic [BW-1:0] pu_b;
  logic [127:0]  st_u;   // the unit's sample, one cycle after pu_b

  always_ff @(posedge clk_i) begin
    st_b <= cmd_i.sbank == 2'd0 ? st_mem0[cmd_i.b] : cmd_i.sbank == 2'd1 ? st_mem1[cmd_i.b] : st_mem2[cmd_i.b];
    st_u <= win_sbank_i == 2'd0 ? st_mem0[pu_b]    : win_sbank_i == 2'd1 ? st_mem1[pu_b]    : st_mem2[pu_b];
    if (seed_we_i && seed_sbank_i == 2'd0)    st_mem0[seed_b_i] <= seed_state_i;
    else if (draw_b && cmd_b.sbank == 2'd0)   st_mem0[cmd_b.b] <= npq_pkg::xoshiro_next(st_b);
    if (seed_we_i && seed_sbank_i == 2'd1)    st_mem1[seed_b_i] <= seed_state_i;
    else if (draw_b && cmd_b.sbank == 2'd1)   st_mem1[cmd_b.b] <= npq_pkg::xoshiro_next(st_b);
    if (seed_we_i && seed_sbank_i == 2'd2)    st_mem2[seed_b_i] <= seed_state_i;
    else if (draw_b && cmd_b.sbank == 2'd2)   st_mem2[cmd_b.b] <= npq_pkg::xoshiro_next(st_b);
  end

  logic [PMAX-1:0][KW-1:0] xp_b;
  logic [KW-1:0]           xold_b;
  logic [NW-1:0]           nold_b;
  logic [LW-1:0]           nlw_b;
  logic                    dead_b;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) cmd_b <= '0;
    else         cmd_b <= cmd_i;
  end

  always_ff @(posedge clk_i) begin
    for (int j = 0; j < PMAX; j++) xp_b[j] <= x_mem[{cmd_i.half, cmd_i.b, cmd_i.d.parent[j][VIW-1:0]}];
    xold_b <= x_mem[{cmd_i.half, cmd_i.b, cmd_i.i[VIW-1:0]}];
    nold_b <= n_mem[{cmd_i.half, cmd_i.b}];
    nlw_b  <= nlw_mem[cmd_i.b];
    dead_b <= dead_mem[cmd_i.b];
  end

  // ---------------------------------------------------------------- stages B ... W
  // A register after every memory read (a block RAM's output is slow) and after
  // every multiply or adder tree:
  //       variable loop                               threshold step
  //   B   parents' x from the RAM, registered; draw   d = NLW - OFFSET
  //   P   x[p_j] * stride_j; readout accumulation     EXP2_LUT read
  //   Q   sums of pairs of products                   EXP2_LUT word registered
  //   S   a0 = base + sum of the pairs                R_MAX * 2^frac
  //   R   bank rows, table read                       F
  //   D   the banks' words registered                 F registered
  //   G   u >= C[k] per bank; the row's first word    F * T * LOG2E_Q16 as 18 x 18-bit digit products
  //   W   x = #{k : u >= C[k]}, write x, log-weight   the products' sums per weight 2^18, 2^36
  //   X                                               Λ = total >> 24, written with live = F > 0
  cmd_t cmd_p, cmd_q, cmd_s, cmd_r, cmd_d, cmd_g, cmd_w;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      cmd_p <= '0;
      cmd_q <= '0;
      cmd_s <= '0;
      cmd_r <= '0;
      cmd_d <= '0;
      cmd_g <= '0;
      cmd_w <= '0;
    end else begin
      cmd_p <= cmd_b;
      cmd_q <= cmd_p;
      cmd_s <= cmd_q;
      cmd_r <= cmd_s;
      cmd_d <= cmd_r;
      cmd_g <= cmd_d;
      cmd_w <= cmd_g;
    end
  end

  logic [15:0] r_p, r_q, r_s, r_r, r_d, r_g;   // u = r >> 16
  logic [PMAX-1:0][KW-1:0] xp_p;
  logic [NW-1:0]           nold_p;

  always_ff @(posedge clk_i) begin
    r_p    <= r_draw[31:16];
    r_q    <= r_p;
    r_s    <= r_q;
    r_r    <= r_s;
    r_d    <= r_r;
    r_g    <= r_d;
    xp_p   <= xp_b;
    nold_p <= nold_b;
  end

  // x * m for a 4-bit state: four shifted copies of m added in LUTs. Written out so
  // that synthesis does not spend a DSP block on each of the 8 products of a lane.
  function automatic logic [TAW-1:0] state_times(input logic [KW-1:0] x, input logic [TAW-1:0] m);
    logic [TAW-1:0] lo, hi;
    lo = (x[0] ? m : '0) + (x[1] ? m << 1 : '0);
    hi = (x[2] ? m << 2 : '0) + (x[3] ? m << 3 : '0);
    return lo + hi;
  endfunction

  // Row address: base + sum_j x[p_j] * stride_j, in pairs (Q) then in total (S);
  // the OFFSET pass of bn_ctrl puts its own address in at S.
  logic [PMAX-1:0][TAW-1:0]   prod_q;
  logic [PMAX/2-1:0][TAW-1:0] pair_s;
  logic [TAW-1:0]             a0_r;

  always_ff @(posedge clk_i) begin
    logic [TAW-1:0] row_off;
    for (int j = 0; j < PMAX; j++) prod_q[j] <= state_times(xp_p[j], cmd_p.d.stride[j]);
    for (int j = 0; j < PMAX / 2; j++) pair_s[j] <= prod_q[2*j] + prod_q[2*j+1];
    row_off = '0;
    for (int j = 0; j < PMAX / 2; j++) row_off += pair_s[j];
    a0_r <= tbl_ext_i ? tbl_ext_addr_i : cmd_s.d.base + row_off;
  end

  // Bank j holds threshold k = (j - a0) mod 16 of the row, at word a0 + k: in bank
  // row a0 >> 4, or the next one where a0 mod 16 + k carries.
  logic [16:0]   rd_d [NBANK];
  logic [16:0]   rd_g [NBANK];
  logic [KW-1:0] a0_d, a0_g;

  for (genvar j = 0; j < NBANK; j++) begin : g_bank
    logic [KW-1:0] k;
    logic [KW:0]   low;      // a0 mod 16 + k: its carry is the next bank row
    logic          unused_low;
    assign k             = KW'(j) - a0_r[KW-1:0];
    assign low           = {1'b0, a0_r[KW-1:0]} + {1'b0, k};
    assign unused_low    = ^low[KW-1:0];
    assign bank_row_o[j] = (TAW-KW)'(a0_r[TIW-1:KW]) + (TAW-KW)'(low[KW]);
    assign rd_d[j]       = bank_word_i[j];
    always_ff @(posedge clk_i) rd_g[j] <= rd_d[j];
  end

  always_ff @(posedge clk_i) begin
    a0_d <= a0_r[KW-1:0];
    a0_g <= a0_d;
  end

  // Readout of the previous round: per-state sums of variable i over the batch.
  // Which state takes the sample's count (add_p) and whether the batch ends
  // (flush_start) are decided in B and registered, so that in P only an AND stands
  // before each accumulator's adder (decided in P from cmd_p, the decode, the
  // state compare and the broadcast's fan-out were 6.5 of a 10.1 ns path at
  // the proxy's P = 6, 2026-12-01).
  logic [AW-1:0] acc [CARD_N];
  logic [AW-1:0] fbuf [CARD_N];
  logic          readout_b;
  logic [CARD_N-1:0] add_p;
  logic          flush_start;
  logic [VIW-1:0] flush_i;
  logic [4:0]    flush_card;
  logic [KW:0]   flush_k;
  logic          flush_rfirst, flush_active;

  assign readout_b    = cmd_b.valid && !cmd_b.spike && cmd_b.readout;
  assign flush_active = flush_k < flush_card;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      add_p       <= '0;
      flush_start <= 1'b0;
    end else begin
      for (int k = 0; k < CARD_N; k++) add_p[k] <= readout_b && xold_b == KW'(k);
      flush_start <= readout_b && cmd_b.b == BW'(BATCH - 1);
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      for (int k = 0; k < CARD_N; k++) acc[k] <= '0;
      flush_k    <= '0;
      flush_card <= '0;
    end else begin
      for (int k = 0; k < CARD_N; k++) begin
        logic [AW-1:0] sum;
        sum = acc[k] + (add_p[k] ? AW'(nold_p) : '0);
        acc[k] <= flush_start ? '0 : sum;
        if (flush_start) fbuf[k] <= sum;
      end
      if (flush_start) begin
        flush_k      <= '0;
        flush_card   <= cmd_p.d.card;
        flush_i      <= cmd_p.i[VIW-1:0];
        flush_rfirst <= cmd_p.rfirst;
      end else if (flush_active) begin
        flush_k <= flush_k + 1'b1;
      end
    end
  end

  // The sums go to the count memory shared by the lanes (bn_counts), which adds
  // the lanes' values of each state.
  assign flush_valid_o  = flush_active;
  assign flush_addr_o   = {VW'(flush_i), flush_k[KW-1:0]};
  assign flush_rfirst_o = flush_rfirst;
  assign flush_add_o    = fbuf[flush_k[KW-1:0]];

  // ---------------------------------------------------------------- threshold step
  logic [LW-1:0] d_p;
  logic [23:0]   exp2_q, exp2_s;
  logic [4:0]    shift_q, shift_s, shift_r;   // d >> 10, meaningful while live (< 24)
  logic          live_p, live_q, live_s, live_r;
  logic [39:0]   fprod_r;

  always_ff @(posedge clk_i) begin
    d_p      <= nlw_b - offset_i;
    live_p   <= !dead_b && {1'b0, cmd_b.b} < n_active_i;
    exp2_q   <= npq_pkg::exp2_lut(d_p[9:0]);
    shift_q  <= d_p[14:10];
    live_q   <= live_p && d_p[LW-1:10] < 13'd24;
    exp2_s   <= exp2_q;
    shift_s  <= shift_q;
    live_s   <= live_q;
    fprod_r  <= {24'd0, rmax_i} * {16'd0, exp2_s};
    shift_r  <= shift_s;
    live_r   <= live_s;
  end

  // F * (T * LOG2E_Q16) is 24 x 37 bits. In one cycle it was the critical path
  // (11.65 ns on the proxy), and so was a 24 x 19-bit partial product (11.35 ns): a
  // product wider than 18 bits is a MULT18X18D with a carry chain behind it. So G
  // forms digit products of at most 18 x 18 bits, each a bare multiplier block
  // (F = f1 * 2^18 + f0, 18 + 6 bits; T * LOG2E_Q16 = t2 * 2^36 + t1 * 2^18 + t0,
  // 18 + 18 + 1 bits, where f * t2 is a select), W adds those of equal weight and
  // X the rest. Bits below 2^18 are f0 * t0's alone (no carry leaves them), so
  //   F * tk >> 18 = mid + (high << 18),  mid = f0 t0 >> 18 + f0 t1 + f1 t0,
  //   high = f1 t1 + F t2,  and Λ = that >> 6.
  // Λ is written as X ends, two cycles later than a single product would be: the
  // window reads sample b's Λ no earlier than 8 cycles after G (bn_ctrl).
  logic [23:0]            f_calc_r, f_d;
  logic [35:0]            p00, p01_g;        // f0 * t0, f0 * t1
  logic [17:0]            p00_hi_g;          // f0 * t0 >> 18
  logic [23:0]            p10_g, p11_g;      // f1 * t0, f1 * t1
  logic [23:0]            p2_g;              // F * t2
  logic [37:0]            mid_w;
  logic [24:0]            high_w;
  logic                   live_g, live_w;
  logic [LAMW-1:0]        lam_x;
  logic                   live_x, lam_we_x;
  logic [BW-1:0]          lam_b_x;
  assign p00 = f_d[17:0] * tk_i[17:0];
  always_comb f_calc_r = live_r ? 24'(fprod_r >> (6'd15 + 6'(shift_r))) : '0;

  always_ff @(posedge clk_i) begin
    f_d      <= f_calc_r;
    p00_hi_g <= p00[35:18];
    p01_g    <= f_d[17:0]  * tk_i[35:18];
    p10_g    <= f_d[23:18] * tk_i[17:0];
    p11_g    <= f_d[23:18] * tk_i[35:18];
    p2_g     <= tk_i[36] ? f_d : '0;
    live_g   <= f_d != '0;
    mid_w    <= 38'(p00_hi_g) + 38'(p01_g) + 38'(p10_g);
    high_w   <= 25'(p11_g) + 25'(p2_g);
    live_w   <= live_g;
    lam_x    <= LAMW'({26'(high_w) + 26'(mid_w[37:18]), mid_w[17:6]});
    live_x   <= live_w;
    lam_b_x  <= cmd_w.b;
    if (lam_we_x) begin
      lam_mem[lam_b_x]  <= lam_x;
      live_mem[lam_b_x] <= live_x;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) lam_we_x <= 1'b0;
    else         lam_we_x <= cmd_w.valid && cmd_w.spike;
  end

  // The Poisson window: one unit per lane, its samples in turn.
  logic          n_we;
  logic [BW-1:0] n_b;
  logic [NW-1:0] n_new;

  bn_poisson u_poisson (
    .clk_i, .rst_ni,
    .start_i  (win_start_i),
    .window_i (window_i),
    .busy_o   (pu_busy),
    .b_o      (pu_b),
    .lambda_i (lam_mem[pu_b]),
    .live_i   (live_mem[pu_b]),
    .state_i  (st_u),
    .n_we_o   (n_we),
    .n_b_o    (n_b),
    .n_o      (n_new)
  );
  assign win_busy_o = pu_busy;

  always_ff @(posedge clk_i) begin
    if (n_we) n_mem[{win_half_i, n_b}] <= n_new;
  end

  // ---------------------------------------------------------------- variable loop
  // G: which of the row's card - 1 thresholds u passes, and the row's first word
  // (the NL of an evidence row; also the OFFSET pass's read).
  logic [NBANK-1:0] ge_w;
  logic [16:0]      nl_w;

  always_ff @(posedge clk_i) begin
    for (int j = 0; j < NBANK; j++) begin
      logic [KW-1:0] k;
      k = KW'(j) - a0_g;
      ge_w[j] <= {1'b0, k} < cmd_g.d.card - 5'd1 && {1'b0, r_g} >= rd_g[j];
    end
    nl_w <= rd_g[a0_g];
  end

  assign tbl_rdata_o = nl_w;

  // W: x = #{k : u >= C[k]} (or the observed state), the log-weight.
  logic [KW-1:0] passed_w;
  logic          var_w;

  always_comb begin
    logic [KW:0] passed;
    passed = '0;
    for (int j = 0; j < NBANK; j++) passed += (KW+1)'(ge_w[j]);
    passed_w = cmd_w.d.ev ? cmd_w.d.estate : passed[KW-1:0];
    var_w    = cmd_w.valid && !cmd_w.spike && cmd_w.sample;
  end

  always_ff @(posedge clk_i) begin
    if (var_w) begin
      x_mem[{cmd_w.half, cmd_w.b, cmd_w.i[VIW-1:0]}] <= passed_w;
      nlw_mem[cmd_w.b]  <= (cmd_w.first ? '0 : nlw_mem[cmd_w.b])
                           + (cmd_w.d.ev ? LW'(nl_w[15:0]) : '0);
      dead_mem[cmd_w.b] <= (cmd_w.first ? 1'b0 : dead_mem[cmd_w.b])
                           || (cmd_w.d.ev && nl_w[15:0] == 16'hFFFF);
    end
  end

  // Bits nothing needs: table addresses and variable indices above the build's
  // TABLE_MAX and V_MAX (the loader keeps them below), the low bits of r, the
  // readout's and the word's 17th bit, the Λ product's bits below 2^24, and command
  // fields of stages that do not look at them.
  logic unused_ok;
  assign unused_ok = ^{a0_r[TAW-1:TIW], r_draw[15:0],
                       cmd_i.i, cmd_i.d.parent, cmd_b.i, p00[17:0], mid_w[5:0],
                       cmd_w.sbank, cmd_w.readout, cmd_w.rfirst};

endmodule
