// The threshold form of the bm spike rule (spec §3.2; docs/design/bm_throughput.md §2):
// SIGMOID_LUT is non-decreasing, so with m = #{i : SIGMOID[i] <= x}, x = r >> 8, a
// neuron fires iff m = 0, or m < 1024 and u >= LNTAU[tau] + 16 (m - 512). m depends on
// the draw only, so it is found long before u is known.
// x_i enters in the cycle the draw is formed; m_o holds its m LATENCY = 12 cycles later.
// Used by the field engine (bm_field_core) and by every unit of the sparse engine.
//
// How: x falls in a *bucket*, its code as a small floating-point number (y = x below
// 2^23; above, y = 2^24 - 1 - x, where the table's steps mirror those below): an
// exponent field (0 for y < 2^13, else e - 12 for y's leading one at bit e) and the six
// bits after the leading one. The sigmoid's steps grow with x as the buckets do, so no
// bucket holds more than two of SIGMOID's entries (checked over all 2^24 x by
// tests/rtl/bm_threshold/test_bm_threshold.py). A table of the m of each bucket's least
// x (M0, block RAM) gives m0, and m = m0 + [SIGMOID[m0] <= x] + [SIGMOID[m0 + 1] <= x]:
// two reads of SIGMOID (both ports of one block RAM) and two compares.
module bm_threshold_search (
  input  logic        clk_i,
  input  logic [23:0] x_i,
  output logic [10:0] m_o
);
  import npq_pkg::*;

  localparam int unsigned SIG_N = 1024;
  localparam int unsigned KEYS  = 2 * SIG_N;
  localparam int unsigned MANT  = 6;              // bits after the leading one
  localparam int unsigned E0    = 13;             // y < 2^E0: exponent field 0
  localparam int unsigned CODES = 704;            // codes of y < 2^23: fields 0..10
  localparam int unsigned DELAY = 6;              // m found in s7, held until s12 (LATENCY)

  // The least y of code k (k <= CODES: CODES is the first y of 2^23).
  function automatic logic [23:0] code_floor(input int unsigned k);
    int unsigned field, mant;
    field = k >> MANT;
    mant  = k % (1 << MANT);
    return field == 0 ? 24'(mant << (E0 - MANT))
                      : 24'(((1 << MANT) + mant) << (field + E0 - 1 - MANT));
  endfunction

  function automatic logic [24*SIG_N-1:0] sig_table();
    logic [24*SIG_N-1:0] t;
    for (int unsigned i = 0; i < SIG_N; i++) t[24*i +: 24] = sigmoid_lut(10'(i));
    return t;
  endfunction
  localparam logic [24*SIG_N-1:0] SIG = sig_table();   // flat: yosys returns no arrays

  // M0[key]: key = {0, code of x} below 2^23, {1, ~code of 2^24 - 1 - x} above, so key
  // grows with x and one merge over SIGMOID fills it (unused keys hold 0).
  function automatic logic [11*KEYS-1:0] m0_table();
    logic [11*KEYS-1:0]      t;
    logic [23:0]              x;
    int unsigned              i;
    logic                     used;
    i = 0;
    for (int unsigned key = 0; key < KEYS; key++) begin
      used = key < CODES || key >= KEYS - CODES;
      if (used) begin
        x = key < SIG_N ? code_floor(key) : 24'(25'(1 << 24) - 25'(code_floor(KEYS - key)));
        while (i < SIG_N && SIG[24*i +: 24] <= x) i++;
      end
      t[11*key +: 11] = used ? 11'(i) : 11'd0;
    end
    return t;
  endfunction
  localparam logic [11*KEYS-1:0] M0 = m0_table();

  logic [10:0] m0_rom  [KEYS];
  logic [23:0] sig_rom [SIG_N];
  initial begin
    for (int unsigned i = 0; i < SIG_N; i++) sig_rom[i] = SIG[24*i +: 24];
    for (int unsigned k = 0; k < KEYS; k++) m0_rom[k] = M0[11*k +: 11];
  end

  // s1: x registered · s2: y, its exponent field · s3: m0 read · s4: m0 + 1
  // s5: SIGMOID at both · s6: the compares · s7: m, then held DELAY cycles
  logic [23:0] x1, x2, x3, x4, x5;
  logic        half2;
  logic [22:0] y2;
  logic [3:0]  field2;
  logic [10:0] m0_3, m0_4, m0_5, m0_6, m1_4;
  logic        m1_end5;                          // m0 + 1 = 1024: no entry
  logic [23:0] sig0_5, sig1_5;
  logic        le0_6, le1_6;
  logic [DELAY-1:0][10:0] m_d;

  logic [22:0] y1;
  logic [3:0]  field1;
  assign y1 = x1[22:0] ^ {23{x1[23]}};
  always_comb begin
    field1 = '0;
    for (int e = E0; e <= 22; e++) if (y1[e]) field1 = 4'(e - E0 + 1);
  end

  logic [4:0]  shift2;
  logic [9:0]  code2;
  logic [10:0] key2;
  assign shift2 = field2 == 4'd0 ? 5'(E0 - MANT) : 5'(field2) + 5'(E0 - 1 - MANT);
  assign code2  = {field2, 6'(y2 >> shift2)};
  assign key2   = {half2, code2 ^ {10{half2}}};

  always_ff @(posedge clk_i) begin
    x1     <= x_i;
    x2     <= x1;
    x3     <= x2;
    x4     <= x3;
    x5     <= x4;
    half2  <= x1[23];
    y2     <= y1;
    field2 <= field1;
    m0_3   <= m0_rom[key2];
    m0_4   <= m0_3;
    m1_4   <= m0_3 + 11'd1;
    m0_5   <= m0_4;
    m1_end5 <= m1_4[10];
    sig0_5 <= sig_rom[m0_4[9:0]];
    sig1_5 <= sig_rom[m1_4[9:0]];
    m0_6   <= m0_5;
    le0_6  <= !m0_5[10] && sig0_5 <= x5;           // m0 = 1024: no entry left
    le1_6  <= !m1_end5 && sig1_5 <= x5;
    m_d[0] <= m0_6 + 11'(le0_6) + 11'(le1_6);
    for (int d = 1; d < DELAY; d++) m_d[d] <= m_d[d-1];
  end
  assign m_o = m_d[DELAY-1];
endmodule
