// Seeding of stream (seed, id) by splitmix64 (spec §1.2), pipelined: one request
// per cycle, the state appears SEED_LATENCY (npq_pkg) cycles later with its id beside it.
//   a = mix(seed + (2 id + 1) GAMMA),  b = mix(seed + (2 id + 2) GAMMA)
//   mix(z) = xs31(xs27(xs30(z) * MIX1) * MIX2),  xs_k(z) = z ^ (z >> k)
//   state = {b[63:32], b[31:0], a[63:32], a[31:0]}, all-zero replaced by s0 = 1.
// Each 64-bit product (mod 2^64) takes three stages, so that no stage holds more
// than a DSP multiply or two levels of adders: the 16 x 16-bit digit products, their
// sums per weight, the total. Every multiplier also has a register of its own on
// each side (a copy of its operand, a copy of its product) with no other load: the
// placer then puts both beside the DSP block, and the multiply's path holds no
// long route (at the bn build's size on the ECP5 proxy, routes into and out of the
// DSPs were 7.7 of an 11.2 ns critical path, 2026-12-01).
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

  localparam int unsigned LATENCY = SEED_LATENCY;

  if (LATENCY != 15) begin : g_bad_latency
    $error("npq_stream_seed: its pipeline is 15 stages; npq_pkg::SEED_LATENCY disagrees");
  end

  function automatic logic [63:0] xorshift(input logic [63:0] z, input int unsigned k);
    return z ^ (z >> k);
  endfunction

  // x * c (mod 2^64) in 16-bit digits: x_j * c_k weighs 2^(16(j+k)); only j + k <= 3
  // reaches below bit 64, and at j + k = 3 only the product's low 16 bits do.
  // Digit products, by weight: {p30, p21, p12, p03 (16 bits each), p20, p11, p02, p10, p01, p00}.
  function automatic logic [255:0] digit_products(input logic [63:0] x, input logic [63:0] c);
    logic [255:0] p;
    p[31:0]    = x[15:0]  * c[15:0];
    p[63:32]   = x[15:0]  * c[31:16];
    p[95:64]   = x[31:16] * c[15:0];
    p[127:96]  = x[15:0]  * c[47:32];
    p[159:128] = x[31:16] * c[31:16];
    p[191:160] = x[47:32] * c[15:0];
    p[207:192] = 16'(x[15:0]  * c[63:48]);
    p[223:208] = 16'(x[31:16] * c[47:32]);
    p[239:224] = 16'(x[47:32] * c[31:16]);
    p[255:240] = 16'(x[63:48] * c[15:0]);
    return p;
  endfunction

  // Sums per weight {w3 (16 bits), w2 (32), w1 (33), w0 = base + p00 (64)}: the
  // addend `base` rides in weight 0.
  function automatic logic [144:0] weight_sums(input logic [255:0] p, input logic [63:0] base);
    logic [144:0] g;
    g[63:0]    = base + 64'(p[31:0]);
    g[96:64]   = 33'(p[63:32]) + 33'(p[95:64]);
    g[128:97]  = p[127:96] + p[159:128] + p[191:160];
    g[144:129] = p[207:192] + p[223:208] + p[239:224] + p[255:240];
    return g;
  endfunction

  function automatic logic [63:0] total(input logic [144:0] g);
    return g[63:0] + {15'd0, g[96:64], 16'd0} + {g[128:97], 32'd0} + {g[144:129], 48'd0};
  endfunction

  logic [LATENCY-1:0] valid_q;
  logic [31:0]        id_q [LATENCY];
  logic [63:0]        seed_q [3];   // beside its request's id, up to g0
  logic [255:0]       odd_p_q, odd_r_q;
  // a (h = 0) and b (h = 1), one splitmix64 chain each: the sums per weight before
  // each total (g), the mix's digit products (p) and their copies (r), the values
  // between (x) and the multipliers' operand copies (c)
  logic [1:0][144:0]  g0_q, g1_q, g2_q;
  logic [1:0][255:0]  p1_q, p2_q, r1_q, r2_q;
  logic [1:0][63:0]   x0_q, x1_q, c0_q, c1_q, x2_q;

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
    // the two splitmix64 counters: seed + (2 id + 1) GAMMA and that + GAMMA
    // (id_q[0] is the multiplier's operand copy)
    odd_p_q   <= digit_products({31'd0, id_q[0], 1'b1}, SPLITMIX_GAMMA);
    odd_r_q   <= odd_p_q;
    seed_q[0] <= seed_i;
    seed_q[1] <= seed_q[0];
    seed_q[2] <= seed_q[1];
    for (int unsigned h = 0; h < 2; h++) begin
      g0_q[h] <= weight_sums(odd_r_q, h == 0 ? seed_q[2] : seed_q[2] + SPLITMIX_GAMMA);
      // the mix: two products, each after its xorshift, and the last xorshift
      x0_q[h] <= xorshift(total(g0_q[h]), 30);
      c0_q[h] <= x0_q[h];
      p1_q[h] <= digit_products(c0_q[h], SPLITMIX_MIX1);
      r1_q[h] <= p1_q[h];
      g1_q[h] <= weight_sums(r1_q[h], '0);
      x1_q[h] <= xorshift(total(g1_q[h]), 27);
      c1_q[h] <= x1_q[h];
      p2_q[h] <= digit_products(c1_q[h], SPLITMIX_MIX2);
      r2_q[h] <= p2_q[h];
      g2_q[h] <= weight_sums(r2_q[h], '0);
      x2_q[h] <= xorshift(total(g2_q[h]), 31);
    end
  end

  assign valid_o = valid_q[LATENCY-1];
  assign id_o    = id_q[LATENCY-1];
  assign state_o = (x2_q == 128'd0) ? 128'd1 : x2_q;
endmodule
