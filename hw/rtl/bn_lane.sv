// One lane of bn_sampler (docs/spec.md §2.2, §2.3): BATCH sample neurons that
// follow the lockstep schedule of bn_ctrl, one issue slot per cycle.
//
// Variable loop, per (variable i, sample b):
//   A  draw r from the stream of sample b (sampled variables), read the parents'
//      values x[b][parent] and, for the readout, the previous round's x[b][i]
//      and spike count n[b]
//   B  row address a0 = base + sum(x[parent] * stride); read the row's card - 1
//      thresholds at once; readout accumulation
//   C  x = #{k : u >= C[k]} (or the observed state), write x[b][i] and the
//      log-weight
// The table is interleaved over 16 banks (word a in bank a mod 16), so the at
// most 15 consecutive words of a row sit in distinct banks: one variable of one
// sample per cycle, whatever its cardinality.
// Spike loop, per (step t, sample b):
//   A  draw r; B  d = NLW - OFFSET, EXP2_LUT read; C  firing threshold F;
//   D  spike = (r >> 8) < F, n[b] += spike
//
// Samples of a batch take consecutive slots, so a value written in stage C or D
// for sample b is read again BATCH (> 4) cycles later: no forwarding is needed.
//
// Readout: while round j samples variable i, the x[b][i] it is about to
// overwrite still holds round j-1's value, so count[i][x] += n[b] for round
// j-1 costs no extra cycles. The per-state sums of one variable are flushed to
// the count memory (one state per cycle) while the next variable runs.
module bn_lane
  import bn_base_pkg::*;
#(
  parameter int unsigned TABLE_MAX = 32768,
  parameter int unsigned V_MAX     = 128
) (
  input  logic               clk_i,
  input  logic               rst_ni,
  // table load (bn_loader)
  input  logic               tbl_we_i,
  input  logic [TAW-1:0]     tbl_waddr_i,
  input  logic [16:0]        tbl_wdata_i,
  // table read for the OFFSET pass of bn_ctrl (takes the port while the lanes idle)
  input  logic               tbl_ext_i,
  input  logic [TAW-1:0]     tbl_ext_addr_i,
  output logic [16:0]        tbl_rdata_o,
  // seeding of the next round's streams (the seeder in bn_sampler): the state of
  // sample seed_b_i of this lane
  input  logic               seed_we_i,
  input  logic               seed_half_i,   // held while the seeds arrive
  input  logic [BW-1:0]      seed_b_i,
  input  logic [127:0]       seed_state_i,
  // schedule
  input  cmd_t               cmd_i,
  input  logic [BW:0]        n_active_i,   // samples b < n_active_i exist in this round
  input  logic [LW-1:0]      offset_i,
  input  logic [15:0]        rmax_i,
  // counts (bn_drain)
  input  logic [CAW-1:0]     cnt_raddr_i,
  output logic [CW-1:0]      cnt_rdata_o,
  output logic               flush_busy_o
);

  // Memories indexed by variable hold 2^VIW entries: the build's V_MAX, rounded up.
  localparam int unsigned VIW    = (V_MAX > 1) ? $clog2(V_MAX) : 1;
  localparam int unsigned XDEPTH = BATCH << VIW;
  localparam int unsigned AW     = NW + BW;   // per-state sum over one batch
  localparam int unsigned CARD_N = 1 << KW;
  localparam int unsigned TIW    = $clog2(TABLE_MAX);   // table index; addresses stay below TW
  localparam int unsigned NBANK  = 1 << KW;              // >= CARD_MAX - 1 thresholds per row
  localparam int unsigned BDEPTH = 1 << (TIW - KW);

  // ---------------------------------------------------------------- memories
  logic [127:0]   st_mem0 [BATCH];
  logic [127:0]   st_mem1 [BATCH];
  logic [KW-1:0]  x_mem   [XDEPTH];     // read at PMAX + 1 addresses per cycle
  logic [NW-1:0]  n_mem   [BATCH];
  logic [LW-1:0]  nlw_mem [BATCH];
  logic           dead_mem[BATCH];
  logic [23:0]    f_mem   [BATCH];
  logic [CW-1:0]  count_mem [1 << (VIW + KW)];

  // ---------------------------------------------------------------- stage A
  logic [127:0] st_cur;
  logic [31:0]  r_a;
  logic         draw_a;

  assign st_cur = cmd_i.half ? st_mem1[cmd_i.b] : st_mem0[cmd_i.b];
  assign r_a    = npq_pkg::xoshiro_draw(st_cur[63:32]);
  assign draw_a = cmd_i.valid && (cmd_i.spike || (cmd_i.sample && !cmd_i.d.ev));

  // The seeder fills the half that the current round does not use.
  always_ff @(posedge clk_i) begin
    if (seed_we_i && !seed_half_i)     st_mem0[seed_b_i] <= seed_state_i;
    else if (draw_a && !cmd_i.half)    st_mem0[cmd_i.b] <= npq_pkg::xoshiro_next(st_cur);
    if (seed_we_i && seed_half_i)      st_mem1[seed_b_i] <= seed_state_i;
    else if (draw_a && cmd_i.half)     st_mem1[cmd_i.b] <= npq_pkg::xoshiro_next(st_cur);
  end

  cmd_t                    cmd_b;
  logic [23:0]             r_b;       // r >> 8: the spike uniform, u16 in its top bits
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
    r_b    <= r_a[31:8];
    for (int j = 0; j < PMAX; j++) xp_b[j] <= x_mem[{cmd_i.b, cmd_i.d.parent[j][VIW-1:0]}];
    xold_b <= x_mem[{cmd_i.b, cmd_i.i[VIW-1:0]}];
    nold_b <= n_mem[cmd_i.b];
    nlw_b  <= nlw_mem[cmd_i.b];
    dead_b <= dead_mem[cmd_i.b];
  end

  // ---------------------------------------------------------------- stage B
  logic [TAW-1:0] row_off_b, a0_b;
  logic [LW-1:0]  d_b;

  always_comb begin
    row_off_b = '0;
    for (int j = 0; j < PMAX; j++) row_off_b += TAW'(xp_b[j] * cmd_b.d.stride[j]);
    a0_b = tbl_ext_i ? tbl_ext_addr_i : cmd_b.d.base + row_off_b;
    d_b  = nlw_b - offset_i;
  end

  // Bank j holds threshold k = (j - a0) mod 16 of the row, at word a0 + k.
  logic [16:0]   rd_c [NBANK];
  logic [KW-1:0] a0_c;

  for (genvar j = 0; j < NBANK; j++) begin : g_bank
    logic [16:0]       mem [BDEPTH];
    logic [KW-1:0]     k;
    logic [TIW-KW-1:0] row;     // bank row of word a0 + k
    assign k   = KW'(j) - a0_b[KW-1:0];
    assign row = (TIW-KW)'((a0_b[TIW-1:0] + TIW'(k)) >> KW);
    always_ff @(posedge clk_i) begin
      if (tbl_we_i && tbl_waddr_i[KW-1:0] == KW'(j)) mem[tbl_waddr_i[TIW-1:KW]] <= tbl_wdata_i;
      rd_c[j] <= mem[row];
    end
  end

  always_ff @(posedge clk_i) a0_c <= a0_b[KW-1:0];
  assign tbl_rdata_o = rd_c[a0_c];

  cmd_t         cmd_c;
  logic [23:0]  r_c;
  logic [23:0]  exp2_c;
  logic [4:0]   shift_c;     // d >> 10, meaningful while live_c (< 24)
  logic         live_c;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) cmd_c <= '0;
    else         cmd_c <= cmd_b;
  end

  always_ff @(posedge clk_i) begin
    r_c     <= r_b;
    exp2_c  <= npq_pkg::exp2_lut(d_b[9:0]);
    shift_c <= d_b[14:10];
    live_c  <= !dead_b && d_b[LW-1:10] < 13'd24 && {1'b0, cmd_b.b} < n_active_i;
  end

  // Readout of the previous round: per-state sums of variable i over the batch.
  logic [AW-1:0] acc [CARD_N];
  logic [AW-1:0] fbuf [CARD_N];
  logic          readout_b, flush_start;
  logic [VIW-1:0] flush_i;
  logic [4:0]    flush_card;
  logic [KW:0]   flush_k;
  logic          flush_rfirst, flush_active;

  assign readout_b    = cmd_b.valid && !cmd_b.spike && cmd_b.readout;
  assign flush_start  = readout_b && cmd_b.b == BW'(BATCH - 1);
  assign flush_active = flush_k < flush_card;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      for (int k = 0; k < CARD_N; k++) acc[k] <= '0;
      flush_k    <= '0;
      flush_card <= '0;
    end else begin
      for (int k = 0; k < CARD_N; k++) begin
        logic [AW-1:0] sum;
        sum = acc[k] + ((readout_b && xold_b == KW'(k)) ? AW'(nold_b) : '0);
        acc[k] <= flush_start ? '0 : sum;
        if (flush_start) fbuf[k] <= sum;
      end
      if (flush_start) begin
        flush_k      <= '0;
        flush_card   <= cmd_b.d.card;
        flush_i      <= cmd_b.i[VIW-1:0];
        flush_rfirst <= cmd_b.rfirst;
      end else if (flush_active) begin
        flush_k <= flush_k + 1'b1;
      end
    end
  end

  // Count memory: read in one cycle, written the next with the state's sum.
  logic [VIW+KW-1:0] cnt_raddr, fw_addr;
  logic [AW-1:0]  fw_add;
  logic           fw_valid, fw_rfirst;
  logic [CW-1:0]  count_q;

  assign cnt_raddr    = flush_active ? {flush_i, flush_k[KW-1:0]}
                                      : {cnt_raddr_i[KW +: VIW], cnt_raddr_i[KW-1:0]};
  assign cnt_rdata_o  = count_q;
  assign flush_busy_o = flush_active || fw_valid;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) fw_valid <= 1'b0;
    else         fw_valid <= flush_active;
  end

  always_ff @(posedge clk_i) begin
    count_q   <= count_mem[cnt_raddr];
    fw_addr   <= {flush_i, flush_k[KW-1:0]};
    fw_add    <= fbuf[flush_k[KW-1:0]];
    fw_rfirst <= flush_rfirst;
    if (fw_valid) count_mem[fw_addr] <= (fw_rfirst ? '0 : count_q) + CW'(fw_add);
  end

  // ---------------------------------------------------------------- stage C
  logic [15:0]   u_c;
  logic [KW-1:0] passed_c;
  logic [15:0]   nl_c;
  logic          var_c;
  logic [23:0]   f_calc_c, f_c;

  always_comb begin
    logic [39:0] prod;
    logic [KW:0] passed;
    var_c  = cmd_c.valid && !cmd_c.spike && cmd_c.sample;
    u_c    = r_c[23:8];
    passed = '0;
    for (int j = 0; j < NBANK; j++) begin
      logic [KW-1:0] k;
      k = KW'(j) - a0_c;
      passed += (KW+1)'({1'b0, k} < cmd_c.d.card - 5'd1 && {1'b0, u_c} >= rd_c[j]);
    end
    passed_c = cmd_c.d.ev ? cmd_c.d.estate : passed[KW-1:0];
    nl_c     = tbl_rdata_o[15:0];
    prod     = {24'd0, rmax_i} * {16'd0, exp2_c};
    f_calc_c = live_c ? 24'(prod >> (6'd15 + 6'(shift_c))) : '0;
    f_c      = cmd_c.first ? f_calc_c : f_mem[cmd_c.b];
  end

  always_ff @(posedge clk_i) begin
    if (var_c) begin
      x_mem[{cmd_c.b, cmd_c.i[VIW-1:0]}] <= passed_c;
      nlw_mem[cmd_c.b]  <= (cmd_c.first ? '0 : nlw_mem[cmd_c.b]) + (cmd_c.d.ev ? LW'(nl_c) : '0);
      dead_mem[cmd_c.b] <= (cmd_c.first ? 1'b0 : dead_mem[cmd_c.b]) || (cmd_c.d.ev && nl_c == 16'hFFFF);
    end
    if (cmd_c.valid && cmd_c.spike && cmd_c.first) f_mem[cmd_c.b] <= f_calc_c;
  end

  logic          spike_d, first_d, valid_d;
  logic [BW-1:0] b_d;
  logic [23:0]   r_d;         // r >> 8
  logic [23:0]   f_d;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) valid_d <= 1'b0;
    else         valid_d <= cmd_c.valid && cmd_c.spike;
  end

  always_ff @(posedge clk_i) begin
    first_d <= cmd_c.first;
    b_d     <= cmd_c.b;
    r_d     <= r_c;
    f_d     <= f_c;
  end

  // Bits nothing needs: table addresses and variable indices above the build's
  // TABLE_MAX and V_MAX (the loader keeps them below), the low bits of r, and the command fields stage C does not look at.
  logic unused_ok;
  assign unused_ok = ^{tbl_waddr_i[TAW-1:TIW], a0_b[TAW-1:TIW], r_a[7:0],
                       cmd_c.half, cmd_c.readout, cmd_c.rfirst, cmd_i.i, cmd_i.d.parent, cnt_raddr_i,
                       cmd_b.i, cmd_c.i};

  // ---------------------------------------------------------------- stage D
  assign spike_d = r_d < f_d;

  always_ff @(posedge clk_i) begin
    if (valid_d) n_mem[b_d] <= (first_d ? '0 : n_mem[b_d]) + NW'(spike_d);
  end

endmodule
