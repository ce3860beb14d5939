// One update unit of the sparse engine (bm_sparse_core; docs/design/bm_throughput.md §3).
// Unit u owns the neurons at schedule positions p = r U + u, r < R: their stream
// states, ζ, bias, clamp bit, on and spike counts and neighbour lists live at address
// (row) r of its memories. Every op is one row for all units at once (the core's
// pipeline carries the row and the op's flags; the unit takes its own bit of the
// op's unit mask).
//
// Stages of a DECIDE op: s1 stream state read · s2 the draw, the next state written
// back, x = r >> 8 into the threshold search · s3..s13 search (bm_threshold_search);
// s12 the lists' positions read, s13 registered again, the weights read, LNTAU[τ] − b
// formed · s14 θ − b from m (spec §3.2 in threshold form: fire iff m = 0,
// or m < 1024 and Σ w z >= LNTAU[τ] + 16 (m − 512) − b); the list's neighbours' z read
// from the z store · s15 the masked weights summed in two halves, ζ read; counts read ·
// s16 the halves summed and compared, decided, ζ written, the unit's bit of the z
// store's row formed (its new z, or the old bit the store hands it when the unit
// writes none: a masked or clamped unit, a deferred colour's DECIDE) and registered by
// the store, counts read, the increments registered · s17 the store writes the row
// into every copy; counts written. An APPLY op (the second pass of a deferred colour)
// writes z = (ζ != 0) in s16. The store's write has a stage of its
// own so that the compare is not in series with the write data's fan-out into every
// copy (the z loop, bm_sparse_core). A clamped neuron is never updated and draws
// nothing.
//
// Every memory address that switches between loading and ops (the lists', the stream
// states' write, the counts' and ζ's) comes from the core, selected once for all units
// and registered there: the same row for every unit, so a multiplexer per unit would
// cost U times its LUTs.
module bm_sparse_unit #(
  parameter int unsigned N_MAX = 1024,
  parameter int unsigned U     = 32,
  parameter int unsigned D_MAX = 8
) (
  input  logic                                clk_i,
  input  logic [7:0]                          tau_i,
  input  logic [15:0]                         lntau_i,
  input  logic [$clog2(D_MAX):0]              d_i,          // list slots in use
  // loading (rows of this unit)
  input  logic                                b_we_i,
  input  logic [$clog2(N_MAX/U)-1:0]          b_row_i,
  input  logic [15:0]                         b_data_i,
  input  logic                                l_we_i,       // a list slot at lp_addr_i
  input  logic [$clog2(D_MAX)-1:0]            l_slot_i,
  input  logic [$clog2(N_MAX)+15:0]           l_data_i,     // {weight, neighbour position}
  input  logic                                init_we_i,    // ζ, clamp bit, counts cleared
  input  logic [$clog2(N_MAX/U)-1:0]          init_row_i,
  input  logic [7:0]                          init_zeta_i,
  input  logic                                init_clamped_i,
  input  logic                                seed_we_i,    // a seeded state at rng_waddr_i
  input  logic [127:0]                        seed_state_i,
  // ops: the row of each stage that reads or writes, and the op's flags
  input  logic [$clog2(N_MAX/U)-1:0]          s1_row_i,
  input  logic                                s1_draw_i,    // s1 holds a DECIDE of this unit
  input  logic [$clog2(N_MAX/U)-1:0]          s13_row_i,
  input  logic [$clog2(N_MAX/U)-1:0]          s14_row_i,
  input  logic                                s15_en_i,     // s15 holds an op of this unit
  input  logic                                s16_apply_i,
  input  logic                                s16_zw_i,     // a DECIDE writes z (colour not deferred)
  input  logic                                s16_cnt_i,    // spikes count (after burn-in)
  input  logic                                s16_rec_i,    // recorded sweep: on count takes z
  input  logic [$clog2(N_MAX/U)-1:0]          s15_row_i,    // ζ read, registered into s16
  input  logic                                s16_byp_i,    // s16 holds a DECIDE of s15's row
  // the shared addresses: loading's row or the stage's (the core's registers)
  input  logic [$clog2(N_MAX/U)-1:0]          rng_waddr_i,  // seeding, else s2
  input  logic [$clog2(N_MAX/U)-1:0]          lp_addr_i,    // list loading, else s12
  input  logic [$clog2(N_MAX/U)-1:0]          lw_addr_i,    // list loading, else s13
  input  logic [$clog2(N_MAX/U)-1:0]          zeta_waddr_i, // init pass, else s16
  input  logic [$clog2(N_MAX/U)-1:0]          cnt_raddr_i,  // s16 while ops run, else o_row_i
  input  logic [$clog2(N_MAX/U)-1:0]          cnt_waddr_i,  // init pass, else s17
  // the z store: the list's neighbour positions (s14) and their z
  output logic [D_MAX-1:0][$clog2(N_MAX)-1:0] nb_pos_o,
  input  logic [D_MAX-1:0]                    nb_z_i,
  input  logic                                zold_i,      // the store's bit of s16's row, as it is
  output logic                                zrow_o,      // ... and as it is to be written
  // read-out at a row
  input  logic [$clog2(N_MAX/U)-1:0]          o_row_i,
  output logic [31:0]                         o_on_o,
  output logic [31:0]                         o_spike_o,
  output logic [7:0]                          o_zeta_o
);
  import npq_pkg::*;

  localparam int unsigned R    = N_MAX / U;
  localparam int unsigned RW   = $clog2(R);
  localparam int unsigned KW   = $clog2(N_MAX);
  localparam int unsigned HALF = (D_MAX + 1) / 2;
  // Exact widths (signed): a half sum of HALF 16-bit weights, the field Σ w z of both;
  // θ − b = LNTAU + 16 m − 8192 − b lies in [−8192 − 32768, 65535 + 16384 − 8192 + 32767]
  // (m <= 1024), 18 bits; the compare in the wider of the two.
  localparam int unsigned HW   = 16 + $clog2(HALF);
  localparam int unsigned SW   = HW + 1;
  localparam int unsigned TW   = 18;
  localparam int unsigned CW   = SW > TW ? SW : TW;
  localparam int unsigned FW   = CW + 1;          // Σ w z − (θ − b), exact

  if (D_MAX < 1 || D_MAX > 64) begin : g_bad
    $error("bm_sparse_unit: D_MAX must be 1..64");
  end

  // ---------------------------------------------------------------- memories (rows)
  logic [7:0]    zeta_mem  [R];
  logic [15:0]   b_mem     [R];
  logic          clamp_mem [R];
  logic [31:0]   on_mem    [R];
  logic [31:0]   spike_mem [R];

  // ---------------------------------------------------------------- s1, s2: the draw
  // The stream states {s3, s2, s1, s0}: 72 bits (s0, s2 and s3's low byte) in a block
  // RAM (one RAMB36 as 72-bit simple dual port), the rest in LUT-RAM, so s1, which the
  // draw's adders take, comes from a flip-flop as before.
  logic [127:0] rng_q, rng_next;
  logic [31:0]  draw;
  logic         rng_we;
  (* ram_style = "block" *)       logic [71:0] rng_bram [R];    // {s3[7:0], s2, s0}
  (* ram_style = "distributed" *) logic [55:0] rng_lram [R];    // {s3[31:8], s1}
  // The clamp bits are read a stage ahead and registered (written by the init pass
  // only, before any op), so that no memory read sits in front of the state and ζ
  // memories' write enables (the proxy's paths at U = 4: 10.4–11.1 ns); s2's draw
  // enable is registered whole, the op's flags with it (10.8 ns at U = 8 from the
  // core's flags through the clamp bit into the state memories' write enables). s16's
  // enable is registered whole as well (the core's flags through the clamp bit into
  // ζ's write enables: 10.2 ns at U = 8).
  logic         draw2_q, clamp15_q, en16_q;       // s2 draws; s16 holds an unclamped op
  logic         s2_draw_q;                        // s2 holds a DECIDE of this unit
  always_ff @(posedge clk_i) begin
    draw2_q   <= s1_draw_i && !clamp_mem[s1_row_i];
    s2_draw_q <= s1_draw_i;
    clamp15_q <= clamp_mem[s14_row_i];
    en16_q    <= s15_en_i && !clamp15_q;
  end
  // The write (a seeded state, or s2's next state) is registered with its row and
  // enable and made a cycle later, in s3 (from s2, the block RAM half's output ran
  // through the step into the LUT-RAM's write port: 10.1–10.6 ns at U = 8). The seed
  // or step select stays in front of the register, merged with the step's XORs (behind
  // it, it cost ~128 LUT a unit). A row's next DECIDE reads it LOOP − 1 = 3 cycles
  // after its s1 at the soonest (bm_sparse_core's bubbles), after the write; the last
  // seeded state is written before C_RUN's first op reads.
  logic [127:0]           rng_wdata_q;
  logic [$clog2(R)-1:0]   rng_waddr_q;
  logic                   rng_we_q;
  always_ff @(posedge clk_i) begin
    rng_wdata_q <= rng_next;
    rng_waddr_q <= rng_waddr_i;
    rng_we_q    <= rng_we;
  end
  assign draw      = xoshiro_draw(rng_q[63:32]);
  assign rng_we    = seed_we_i || draw2_q;
  assign rng_next  = seed_we_i ? seed_state_i : xoshiro_next(rng_q);
  always_ff @(posedge clk_i) begin
    {rng_q[103:96], rng_q[95:64], rng_q[31:0]} <= rng_bram[s1_row_i];
    {rng_q[127:104], rng_q[63:32]}             <= rng_lram[s1_row_i];
    if (rng_we_q) begin
      rng_bram[rng_waddr_q] <= {rng_wdata_q[103:96], rng_wdata_q[95:64], rng_wdata_q[31:0]};
      rng_lram[rng_waddr_q] <= {rng_wdata_q[127:104], rng_wdata_q[63:32]};
    end
  end

  logic [10:0] m;
  bm_threshold_search u_search (.clk_i, .x_i(draw[31:8]), .m_o(m));

  // ---------------------------------------------------------------- s12..s15: field
  // The list of slot s: {weight, neighbour position} per row, all slots read at once.
  // Lists are written while a frame loads and read by ops, which run only after it
  // (the front end starts the core when the frame is in, the init pass comes first),
  // so one address serves both (lp_addr_i, lw_addr_i): a LUT-RAM then reads through its
  // write port as well, 8 bits per RAM32M instead of 6. The positions are read in s12
  // and registered again
  // in s13, so the z store's read address in s14 comes from a flip-flop and not from
  // the list memory's output (a block RAM in the timing proxy: 14.1 ns with the z read
  // behind it); the weights, needed in s15, are read in s13 from a memory of their own
  // (read a cycle earlier, their registers would become shift-register LUTs). The z
  // loop (s14 .. s17) is unchanged.
  logic [D_MAX-1:0][KW-1:0]  pent_q, pos_q;  // s13, s14
  logic [D_MAX-1:0][15:0]    went_q;         // s14
  for (genvar s = 0; s < D_MAX; s++) begin : g_slot
    logic [KW-1:0] list_mem  [R];            // neighbour positions
    logic [15:0]   wlist_mem [R];            // weights
    always_ff @(posedge clk_i) begin
      if (l_we_i && l_slot_i == ($clog2(D_MAX))'(s)) begin
        list_mem[lp_addr_i]  <= l_data_i[KW-1:0];
        wlist_mem[lw_addr_i] <= l_data_i[KW +: 16];
      end
      pent_q[s] <= list_mem[lp_addr_i];
      pos_q[s]  <= pent_q[s];
      went_q[s] <= wlist_mem[lw_addr_i];
    end
    assign nb_pos_o[s] = pos_q[s];
  end

  // s14: θ − b; the neighbours' z arrive from the store
  logic signed [TW-1:0] t_q, t2_q;           // θ − b in s15, s16
  logic signed [TW-1:0] lb_q;                // LNTAU[τ] − b in s14: b read a stage ahead
  logic                 always_q, never_q, always2_q, never2_q;
  logic [D_MAX-1:0]     zw_q;                // the slot's weight counts (z = 1, slot in use)
  logic [D_MAX-1:0][15:0] w_q;
  always_ff @(posedge clk_i) begin
    // 16 (m − 512) is {~m[9], m[8:0], 4'b0} as a signed number for m < 1024 (m = 1024
    // never fires, θ unused): no adder of its own
    // LNTAU[τ] − b a stage ahead (the bias is written while loading only), so θ − b
    // takes one adder behind m (two in series were 10.4 ns at U = 8)
    lb_q     <= TW'(signed'({1'b0, lntau_i})) - TW'(signed'(b_mem[s13_row_i]));
    t_q      <= lb_q + TW'(signed'({~m[9], m[8:0], 4'd0}));
    always_q <= m == 11'd0;
    never_q  <= m == 11'd1024;
    for (int s = 0; s < D_MAX; s++) begin
      zw_q[s] <= nb_z_i[s] && 32'(s) < 32'(d_i);
      w_q[s]  <= went_q[s];
    end
  end

  // The read-out shares the count memories' read port with the ops: the core reads
  // out with the op pipeline empty. s16 holds a DECIDE of this unit (which reads the
  // counts) 14 cycles after s2 did, and the core's cnt_raddr_i is s16's row whenever
  // s16 holds an op. (ζ keeps its own read-out port: its s16 read, behind s16's enable, is
  // on the decision's path.)
  (* keep, shreg_extract = "no" *) logic [13:0] decide_p;   // s3..s16 (flip-flops, not an SRL)
  logic [31:0]   on_rd, spike_rd;
  always_ff @(posedge clk_i) decide_p <= {decide_p[12:0], s2_draw_q};
  assign on_rd    = on_mem[cnt_raddr_i];
  assign spike_rd = spike_mem[cnt_raddr_i];

  // s15: two half sums, each a balanced tree of the masked weights (summed in slot
  // order, yosys chained HALF − 1 adders: three carry chains in series, 10.9 ns at
  // U = 8; pairs first, then pairs of pairs: two). node[h][l][i] is half h's level-l
  // partial sum at slot i (level 0 the masked weights; a sum sits at the first slot of
  // the pair it adds), in two's complement, sign-extended: the sums are exact.
  localparam int unsigned LV = $clog2(HALF);
  /* verilator lint_off UNUSEDSIGNAL */            // the levels' pass-through slots
  logic [1:0][LV:0][HALF-1:0][HW-1:0] node;
  /* verilator lint_on UNUSEDSIGNAL */
  for (genvar h = 0; h < 2; h++) begin : g_half
    for (genvar i = 0; i < HALF; i++) begin : g_leaf
      if (h * HALF + i < D_MAX) begin : g_slot
        assign node[h][0][i] = zw_q[h * HALF + i] ? HW'(signed'(w_q[h * HALF + i])) : '0;
      end else begin : g_pad
        assign node[h][0][i] = '0;
      end
    end
    for (genvar l = 0; l < LV; l++) begin : g_level
      for (genvar i = 0; i < HALF; i++) begin : g_node
        if (i % (2 << l) == 0 && i + (1 << l) < HALF) begin : g_add
          assign node[h][l + 1][i] = node[h][l][i] + node[h][l][i + (1 << l)];
        end else begin : g_pass
          assign node[h][l + 1][i] = node[h][l][i];
        end
      end
    end
  end
  logic signed [HW-1:0] half_q [2];
  always_ff @(posedge clk_i) begin
    for (int h = 0; h < 2; h++) half_q[h] <= signed'(node[h][LV][0]);
    t2_q      <= t_q;
    always2_q <= always_q;
    never2_q  <= never_q;
  end

  // s16: decide, ζ written; counts read
  logic [7:0] zeta, zeta_new;
  logic [7:0] zeta_q;
  logic       fire, may_fire, spike, z_new, en, decide_we;
  assign en       = en16_q;
  assign decide_we = en && !s16_apply_i;
  // ζ is read in s15 and registered, so that no memory read sits in front of the
  // decision, the store's merge and ζ's own write (the proxy's worst paths at U = 4,
  // 10.9–12.1 ns). The one op that reads a ζ written in the cycle of its read is an
  // APPLY right after its colour's one-row DECIDE pass (same row, same units: the
  // core's s16_byp_i): it takes the ζ being written.
  always_ff @(posedge clk_i) zeta_q <= s16_byp_i && decide_we ? zeta_new : zeta_mem[s15_row_i];
  assign zeta     = zeta_q;
  // Σ w z >= θ − b (ge) as the sign of h0 + h1 + ~t + 1: one level of 3:2 compressors
  // (a LUT each) and one carry chain, instead of an adder and a comparator in series
  // on the z loop (the +1 is the free low bit of the shifted carries).
  logic [FW-1:0] ca, cb, cc, csum, ccar, cdiff;
  logic [FW-2:0] cmaj;
  assign ca    = {{(FW - HW){half_q[0][HW-1]}}, half_q[0]};
  assign cb    = {{(FW - HW){half_q[1][HW-1]}}, half_q[1]};
  assign cc    = ~{{(FW - TW){t2_q[TW-1]}}, t2_q};
  assign csum  = ca ^ cb ^ cc;
  assign cmaj  = (ca[FW-2:0] & cb[FW-2:0]) | (ca[FW-2:0] & cc[FW-2:0]) | (cb[FW-2:0] & cc[FW-2:0]);
  assign ccar  = {cmaj, 1'b1};
  assign cdiff = csum + ccar;
  // Every outcome is formed from registers for both values of ge, so that only a
  // select follows the carry chain: into ζ's write data and the store's row (the
  // proxy's paths at U = 8: 10.4 and 11.3 ns, three LUT levels after the carry,
  // one of them across the module boundary to the store).
  logic       ge, fire_ge, fire_lt, zrow_ge, zrow_lt, zw_en;
  logic [7:0] zeta_ge, zeta_lt;
  assign ge       = !cdiff[FW-1];
  assign fire_ge  = always2_q || !never2_q;
  assign fire_lt  = always2_q;
  assign fire     = ge ? fire_ge : fire_lt;
  assign may_fire = zeta <= 8'd1;
  assign zeta_ge  = may_fire ? (fire_ge ? tau_i : 8'd0) : zeta - 8'd1;
  assign zeta_lt  = may_fire ? (fire_lt ? tau_i : 8'd0) : zeta - 8'd1;
  assign zeta_new = ge ? zeta_ge : zeta_lt;
  assign spike    = may_fire && fire;
  assign z_new    = !may_fire || fire;        // zeta_new != 0: τ >= 1 (τ = 0 is BAD_PARAMS)
  // the store's row bit: the new z (an APPLY's from ζ) where this unit writes one
  assign zw_en    = en && (s16_apply_i || s16_zw_i);
  assign zrow_ge  = !zw_en ? zold_i : s16_apply_i ? zeta != 8'd0 : !may_fire || fire_ge;
  assign zrow_lt  = !zw_en ? zold_i : s16_apply_i ? zeta != 8'd0 : !may_fire || fire_lt;
  assign zrow_o   = ge ? zrow_ge : zrow_lt;

  // s17: the counts are written with their read plus the increment, by a DECIDE and by
  // the init pass alike: the init pass runs with no op in the pipeline, so it writes
  // 0 + 0 and needs no multiplexer of its own in front of the count memories. A
  // position's counts are read again a sweep later at the earliest, so the write a
  // stage after the read needs no bypass.
  logic          decide_we_q, on_inc_q, spike_inc_q;
  logic [31:0]   on_rd_q, spike_rd_q;

  always_ff @(posedge clk_i) begin
    decide_we_q <= decide_we;
    on_inc_q    <= decide_we && z_new && s16_rec_i;
    spike_inc_q <= decide_we && spike && s16_cnt_i;
    on_rd_q     <= decide_p[13] ? on_rd : '0;     // a synchronous reset: see above
    spike_rd_q  <= decide_p[13] ? spike_rd : '0;
  end

  always_ff @(posedge clk_i) begin
    if (b_we_i) b_mem[b_row_i] <= b_data_i;
    if (init_we_i) clamp_mem[init_row_i] <= init_clamped_i;
    if (init_we_i || decide_we)
      zeta_mem[zeta_waddr_i] <= init_we_i ? init_zeta_i : zeta_new;
    if (init_we_i || decide_we_q) begin
      on_mem[cnt_waddr_i]    <= on_rd_q + {31'd0, on_inc_q};
      spike_mem[cnt_waddr_i] <= spike_rd_q + {31'd0, spike_inc_q};
    end
  end

  assign o_on_o    = on_rd;
  assign o_spike_o = spike_rd;
  assign o_zeta_o  = zeta_mem[o_row_i];

  logic unused;
  assign unused = ^{draw[7:0], RW};
endmodule
