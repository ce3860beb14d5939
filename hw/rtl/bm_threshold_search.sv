// The threshold form of the bm spike rule (spec §3.2; docs/design/bm_throughput.md §2):
// SIGMOID_LUT is non-decreasing, so with m = #{i : SIGMOID[i] <= x}, x = r >> 8, a
// neuron fires iff m = 0, or m < 1024 and u >= LNTAU[tau] + 16 (m - 512). m depends on
// the draw only, so this pipelined binary search finds it long before u is known.
// x_i enters in the cycle the draw is formed; m_o holds its m LATENCY = 12 cycles later
// (ten probes of bits 9..0, the probe of the final position, the registered count).
// Used by the field engine (bm_field_core) and by every unit of the sparse engine.
module bm_threshold_search (
  input  logic        clk_i,
  input  logic [23:0] x_i,
  output logic [10:0] m_o
);
  import npq_pkg::*;

  localparam int unsigned STAGES = 11;     // 0..9: bits 9..0; 10: the final position
  localparam int unsigned SIG_N  = 1024;

  logic [STAGES-1:0][23:0] x_p;
  logic [STAGES-1:0][9:0]  pos_p;
  logic [STAGES-1:0]       probe_le;

  // Stage j decides bit b = 9 - j: is SIGMOID[pos + 2^b - 1] <= x? pos has only bits
  // above b set, so the stage's table has 2^(9-b) entries (a ROM of its own size: one
  // shared 1024-entry ROM would need a read port per stage); the last stage probes
  // SIGMOID[pos].
  for (genvar j = 0; j < STAGES - 1; j++) begin : g_probe
    localparam int unsigned B = 9 - j;
    localparam int unsigned W = 9 - B;
    logic [23:0] rom [2 ** W];
    initial begin
      for (int i = 0; i < 2 ** W; i++) rom[i] = sigmoid_lut(10'((i << (B + 1)) | ((1 << B) - 1)));
    end
    if (W == 0) begin : g_const
      assign probe_le[j] = rom[0] <= x_p[j];
    end else begin : g_rom
      assign probe_le[j] = rom[pos_p[j][9 -: W]] <= x_p[j];
    end
  end
  logic [23:0] sig_rom [SIG_N];
  initial begin
    for (int i = 0; i < SIG_N; i++) sig_rom[i] = sigmoid_lut(10'(i));
  end
  assign probe_le[STAGES-1] = sig_rom[pos_p[STAGES-1]] <= x_p[STAGES-1];

  always_ff @(posedge clk_i) begin
    x_p[0]   <= x_i;
    pos_p[0] <= '0;
    for (int j = 0; j < STAGES - 1; j++) begin
      x_p[j+1]   <= x_p[j];
      pos_p[j+1] <= pos_p[j] | (probe_le[j] ? 10'(1 << (9 - j)) : 10'd0);
    end
    m_o <= {1'b0, pos_p[STAGES-1]} + {10'd0, probe_le[STAGES-1]};
  end
endmodule
