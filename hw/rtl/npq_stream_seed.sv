// Seeding of stream (seed, id) by splitmix64 (spec §1.2), pipelined: one request
// per cycle, the state appears LATENCY cycles later with its id beside it.
//   a = mix(seed + (2 id + 1) GAMMA),  b = mix(seed + (2 id + 2) GAMMA)
//   state = {b[63:32], b[31:0], a[63:32], a[31:0]}, all-zero replaced by s0 = 1.
// One stage per multiply keeps the 64-bit constant products off each other's path.
module npq_stream_seed (
  input  logic         clk_i,
  input  logic         rst_ni,
  input  logic         valid_i,
  input  logic [63:0]  seed_i,
  input  logic [31:0]  id_i,
  output logic         valid_o,
  output logic [31:0]  id_o,
  output logic [127:0] state_o
);
  import npq_pkg::*;

  localparam int unsigned LATENCY = 4;

  logic [LATENCY-1:0] valid_q;
  logic [31:0]        id_q [LATENCY];
  logic [63:0]        a0_q, b0_q, a1_q, b1_q, a2_q, b2_q, a3_q, b3_q;

  function automatic logic [63:0] xorshift(input logic [63:0] z, input int unsigned k);
    return z ^ (z >> k);
  endfunction

  // Stage 0: the two splitmix64 counters.
  logic [63:0] odd_step;
  assign odd_step = {31'd0, id_i, 1'b1} * SPLITMIX_GAMMA;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      valid_q <= '0;
    end else begin
      valid_q <= {valid_q[LATENCY-2:0], valid_i};
    end
  end

  always_ff @(posedge clk_i) begin
    id_q[0] <= id_i;
    for (int unsigned i = 1; i < LATENCY; i++) id_q[i] <= id_q[i-1];
    a0_q <= seed_i + odd_step;
    b0_q <= seed_i + odd_step + SPLITMIX_GAMMA;
    a1_q <= xorshift(a0_q, 30) * SPLITMIX_MIX1;
    b1_q <= xorshift(b0_q, 30) * SPLITMIX_MIX1;
    a2_q <= xorshift(a1_q, 27) * SPLITMIX_MIX2;
    b2_q <= xorshift(b1_q, 27) * SPLITMIX_MIX2;
    a3_q <= xorshift(a2_q, 31);
    b3_q <= xorshift(b2_q, 31);
  end

  assign valid_o = valid_q[LATENCY-1];
  assign id_o    = id_q[LATENCY-1];
  assign state_o = ({b3_q, a3_q} == 128'd0) ? 128'd1 : {b3_q, a3_q};
endmodule
