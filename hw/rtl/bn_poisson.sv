// The Poisson spike window of one lane (docs/spec.md §2.2 step 4): the lane's
// BATCH samples one after the other, one draw per cycle.
//
// A live sample (F > 0) draws r, adds NEGLOG2(r) to its sum and stops when the sum
// reaches Λ, else counts a spike, up to T spikes. Its stream runs ahead of the
// decision: the unit draws every cycle, and the draws still in flight when the
// window stops are dropped (the stream belongs to this sample alone and nothing
// draws from it afterwards, so they are never observed). Per sample, stage by stage:
//   L  read the sample's Λ and live flag; the lane reads its stream state
//   (a dead sample ends here: n = 0, one cycle)
//   G  take the state
//   1  draw r (the state steps on every cycle)
//   2  leading zeros of r
//   3  the 8 bits after the leading one
//   4  NEGLOG2 = ((lz + 1) << 16) - LOG2M_LUT[m]
//   5  acc += NEGLOG2; stop when acc >= Λ, else n += 1 (stop at n = T)
// so a live sample takes its min(n + 1, T) draws plus 6 cycles.
// Stage 5 keeps Λ - acc rather than acc (acc + NEGLOG2 < Λ is NEGLOG2 < Λ - acc: one
// compare instead of an add and a compare) and n + 1 beside n (the count written is a
// select, not an add): it was the critical path on the proxy (10.69 ns).
module bn_poisson
  import bn_base_pkg::*;
(
  input  logic              clk_i,
  input  logic              rst_ni,
  input  logic              start_i,     // the round's Λ and live flags are written
  input  logic [NW-1:0]     window_i,    // T
  output logic              busy_o,
  // the lane's memories of the round
  output logic [BW-1:0]     b_o,         // sample whose Λ, live flag and stream state are read
  input  logic [LAMW-1:0]   lambda_i,    // Λ[b_o], combinational
  input  logic              live_i,      // F[b_o] > 0, combinational
  input  logic [127:0]      state_i,     // stream state of b_o, one cycle after b_o
  output logic              n_we_o,
  output logic [BW-1:0]     n_b_o,
  output logic [NW-1:0]     n_o
);

  typedef enum logic [1:0] { P_IDLE, P_LOAD, P_TAKE, P_RUN } pstate_e;
  pstate_e state_q;

  logic [BW-1:0]   b_q;
  logic            last_b;
  logic [127:0]    st_q;
  logic [LAMW-1:0] rem_q;      // Λ - acc: positive while the sample spikes
  logic [NW-1:0]   n_q, n1_q;  // n, n + 1
  logic            v1_q, v2_q, v3_q, v4_q;
  logic [31:0]     r1_q, r2_q;
  logic [5:0]      lz2_q, lz3_q;
  logic [7:0]      m3_q;
  logic [21:0]     nl4_q;

  assign last_b = b_q == BW'(BATCH - 1);
  assign b_o    = b_q;
  assign busy_o = state_q != P_IDLE;

  // Stage 2: leading zeros (32 for r = 0).
  logic [5:0] lz;
  always_comb begin
    lz = 6'd32;
    for (int i = 0; i < 32; i++) if (r1_q[i]) lz = 6'(31 - i);
  end

  // Stage 5: the window's decision.
  logic            stop, spike;
  assign spike    = LAMW'(nl4_q) < rem_q;
  assign stop     = v4_q && (!spike || n1_q == window_i);

  always_ff @(posedge clk_i) begin
    // Stages 1-4 run on every cycle; their valid bits say which draws count.
    st_q  <= state_q == P_TAKE ? state_i : npq_pkg::xoshiro_next(st_q);
    r1_q  <= npq_pkg::xoshiro_draw(st_q[63:32]);
    r2_q  <= r1_q;
    lz2_q <= lz;
    m3_q  <= 8'((r2_q << (lz2_q + 6'd1)) >> 24);   // lz = 31, 32: the shift leaves 0
    lz3_q <= lz2_q;
    nl4_q <= {lz3_q + 6'd1, 16'd0} - 22'(npq_pkg::log2m_lut(m3_q));
    // No draw is in flight in L and G (the stop dropped them): v4_q is low there.
    if (state_q == P_LOAD) rem_q <= lambda_i;
    else if (v4_q)         rem_q <= rem_q - LAMW'(nl4_q);
    if (state_q == P_TAKE) begin
      n_q  <= '0;
      n1_q <= NW'(1);
    end else if (v4_q && spike) begin
      n_q  <= n1_q;
      n1_q <= n1_q + 1'b1;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q <= P_IDLE;
      b_q     <= '0;
      {v1_q, v2_q, v3_q, v4_q} <= '0;
    end else begin
      v1_q <= state_q == P_RUN && !stop;
      v2_q <= v1_q && !stop;
      v3_q <= v2_q && !stop;
      v4_q <= v3_q && !stop;
      unique case (state_q)
        P_IDLE: if (start_i) begin
          state_q <= P_LOAD;
          b_q     <= '0;
        end
        P_LOAD: if (live_i) state_q <= P_TAKE;
                else if (last_b) state_q <= P_IDLE;
                else b_q <= b_q + 1'b1;
        P_TAKE: state_q <= P_RUN;
        P_RUN: if (stop) begin
          b_q     <= b_q + 1'b1;
          state_q <= last_b ? P_IDLE : P_LOAD;
        end
        default: state_q <= P_IDLE;
      endcase
    end
  end

  // n of the sample: 0 for a dead one, the count at the stop for a live one.
  assign n_we_o = (state_q == P_LOAD && !live_i) || (state_q == P_RUN && stop);
  assign n_b_o  = b_q;
  assign n_o    = state_q == P_RUN ? (spike ? n1_q : n_q) : '0;

  logic unused_ok;
  assign unused_ok = ^{r2_q[31], lz};

endmodule
