// The threshold form of the bm spike rule (spec §3.2; docs/design/bm_throughput.md §2):
// SIGMOID_LUT is non-decreasing, so with m = #{i : SIGMOID[i] <= x}, x = r >> 8, a
// neuron fires iff m = 0, or m < 1024 and u >= LNTAU[tau] + 16 (m - 512). m depends on
// the draw only, so it is found long before u is known.
// x_i enters in the cycle the draw is formed; m_o holds its m LATENCY = 12 cycles later.
// Used by the field engine (bm_field_core) and by every unit of the sparse engine.
//
// How: x falls in a *bucket*, its code as a small floating-point number (y = x below
// 2^23; above, y = 2^24 - 1 - x, where the table's steps mirror those below): an
// exponent field (0 for y < 2^13, else e - 12 for y's leading one at bit e) and the
// seven bits after the leading one. The sigmoid's steps grow with x as the buckets do,
// so no bucket holds more than one of SIGMOID's entries (checked over all 2^24 x by
// tests/rtl/bm_threshold/test_bm_threshold.py): with m0 the m of the bucket's least x,
// m = m0 + [SIGMOID[m0] <= x], one table read and one compare.
// m0 lies in 0..512 below 2^23 and in 512..1024 above, so the table (M0, a 4096 x 9
// block RAM, npq_pkg's M0_LUT from neuropynq.luts, the one the HLS C++ reads too)
// holds m0 - 512 h, h = x[23], with 512 stored as 511: a bucket whose m0 is
// 512 (1024) has SIGMOID[511] (SIGMOID[1023]) <= x throughout and no entry above below
// 2^23 (none above at all), so the compare adds the one back. {h, M0} is then m0's
// SIGMOID address as it is.
module bm_threshold_search (
  input  logic        clk_i,
  input  logic [23:0] x_i,
  output logic [10:0] m_o
);
  import npq_pkg::*;

  localparam int unsigned SIG_N = 1024;
  localparam int unsigned MANT  = BUCKET_MANT;    // bits after the leading one
  localparam int unsigned E0    = BUCKET_E0;      // y < 2^E0: exponent field 0
  localparam int unsigned KEYS  = BUCKET_KEYS;    // {h, code}: 12 bits
  localparam int unsigned DELAY = 5;              // m found in s8, held until s12 (LATENCY)

  function automatic logic [24*SIG_N-1:0] sig_table();
    logic [24*SIG_N-1:0] t;
    for (int unsigned i = 0; i < SIG_N; i++) t[24*i +: 24] = sigmoid_lut(10'(i));
    return t;
  endfunction
  localparam logic [24*SIG_N-1:0] SIG = sig_table();   // flat: yosys returns no arrays

  logic [8:0]  m0_rom  [KEYS];
  logic [23:0] sig_rom [SIG_N];
  initial begin
    for (int unsigned i = 0; i < SIG_N; i++) sig_rom[i] = SIG[24*i +: 24];
    for (int unsigned k = 0; k < KEYS; k++) m0_rom[k] = M0_LUT[9*k +: 9];
  end

  // s1: x registered · s2: y, its exponent field · s3: M0 read · s4: registered
  // s5: SIGMOID read · s6: registered · s7: the compare · s8: m, then held DELAY
  // cycles. The SIGMOID word is registered before the compare (the block RAM's output
  // register), so that the RAM's clock-to-output and a 24-bit compare are not in one
  // cycle (the proxy's 10.1–10.6 ns at U = 8).
  // The delays are flip-flops, not shift-register LUTs (keep; Vivado: shreg_extract):
  // the sparse overlay runs out of LUTs long before flip-flops.
  (* keep, shreg_extract = "no" *) logic [23:0] x1, x2, x3, x4, x5, x6;
  logic        h2;
  logic [22:0] y2;
  logic [3:0]  field2;
  logic [8:0]  m0_3;
  (* keep, shreg_extract = "no" *) logic [9:0] a4, a5, a6, a7;   // {h, M0}
  logic        h3;
  logic [23:0] sig5, sig6;
  logic        le7;
  (* keep, shreg_extract = "no" *) logic [DELAY-1:0][10:0] m_d;

  logic [22:0] y1;
  logic [3:0]  field1;
  assign y1 = x1[22:0] ^ {23{x1[23]}};
  always_comb begin
    field1 = '0;
    for (int e = E0; e <= 22; e++) if (y1[e]) field1 = 4'(e - E0 + 1);
  end

  logic [4:0]  shift2;
  logic [10:0] code2;
  logic [11:0] key2;
  assign shift2 = field2 == 4'd0 ? 5'(E0 - MANT) : 5'(field2) + 5'(E0 - 1 - MANT);
  assign code2  = {field2, 7'(y2 >> shift2)};
  assign key2   = {h2, code2 ^ {11{h2}}};

  always_ff @(posedge clk_i) begin
    x1     <= x_i;
    x2     <= x1;
    x3     <= x2;
    x4     <= x3;
    x5     <= x4;
    x6     <= x5;
    h2     <= x1[23];
    y2     <= y1;
    field2 <= field1;
    m0_3   <= m0_rom[key2];
    h3     <= h2;
    a4     <= {h3, m0_3};
    a5     <= a4;
    sig5   <= sig_rom[a4];
    a6     <= a5;
    sig6   <= sig5;
    a7     <= a6;
    le7    <= sig6 <= x6;
    m_d[0] <= {1'b0, a7} + 11'(le7);
    for (int d = 1; d < DELAY; d++) m_d[d] <= m_d[d-1];
  end
  assign m_o = m_d[DELAY-1];
endmodule
