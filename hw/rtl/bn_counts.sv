// The count memory of bn_sampler, one for all lanes (docs/spec.md §2.3: counts are
// sums, so the lanes' per-state sums can be added before they are stored).
//
// The lanes flush their per-state sums of one variable in lockstep (the same
// schedule): one state per cycle, the same {variable, state} address in every lane.
// An adder tree (one register per level) sums the P values, then the word at that
// address is read, registered and written back with the sum added (the first readout
// pass of a run writes the sum alone). The states of one flush are distinct words,
// and the next flush starts 16 cycles later, so nothing is read before its previous
// write lands. bn_drain reads the registered word.
module bn_counts
  import bn_base_pkg::*;
#(
  parameter int unsigned P     = 4,
  parameter int unsigned V_MAX = 128,
  parameter int unsigned AW    = NW + BW      // a lane's per-state sum over its batch
) (
  input  logic                 clk_i,
  input  logic                 rst_ni,
  // flush of the lanes (lane 0's control; every lane's value)
  input  logic                 flush_valid_i,
  input  logic [CAW-1:0]       flush_addr_i,   // {variable, state}
  input  logic                 flush_rfirst_i,
  input  logic [P-1:0][AW-1:0] flush_add_i,
  output logic                 busy_o,
  // bn_drain
  input  logic [CAW-1:0]       raddr_i,
  output logic [CW-1:0]        rdata_o
);
  localparam int unsigned VIW    = (V_MAX > 1) ? $clog2(V_MAX) : 1;
  localparam int unsigned LEVELS = (P > 1) ? $clog2(P) : 0;
  localparam int unsigned PP     = 1 << LEVELS;      // P rounded up to a power of two
  localparam int unsigned SW     = AW + LEVELS;      // a sum over P lanes

  logic [CW-1:0] count_mem [1 << (VIW + KW)];

  // Adder tree: level 0 is the lanes' values registered, level k + 1 the pairwise sums.
  logic [SW-1:0]        tree [LEVELS + 1][PP];
  logic [LEVELS:0]      t_valid;
  logic [CAW-1:0]       t_addr   [LEVELS + 1];
  logic [LEVELS:0]      t_rfirst;

  always_ff @(posedge clk_i) begin
    for (int l = 0; l < PP; l++) tree[0][l] <= (l < P) ? SW'(flush_add_i[l]) : '0;
    for (int k = 0; k < LEVELS; k++)
      for (int j = 0; j < (PP >> (k + 1)); j++) tree[k+1][j] <= tree[k][2*j] + tree[k][2*j+1];
    t_addr[0]   <= flush_addr_i;
    t_rfirst[0] <= flush_rfirst_i;
    for (int k = 0; k < LEVELS; k++) begin
      t_addr[k+1]   <= t_addr[k];
      t_rfirst[k+1] <= t_rfirst[k];
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) t_valid <= '0;
    else         t_valid <= (LEVELS + 1)'({t_valid, flush_valid_i});
  end

  // Read-modify-write over three cycles, as in a lane before the memories were merged.
  logic [VIW+KW-1:0] raddr, fw_addr, fw2_addr;
  logic [SW-1:0]     fw_add, fw2_add;
  logic              fw_valid, fw_rfirst, fw2_valid, fw2_rfirst;
  logic [CW-1:0]     count_q, count_r;
  logic              sum_valid;

  assign sum_valid = t_valid[LEVELS];
  assign raddr     = sum_valid ? {t_addr[LEVELS][KW +: VIW], t_addr[LEVELS][KW-1:0]}
                               : {raddr_i[KW +: VIW], raddr_i[KW-1:0]};
  assign rdata_o   = count_r;
  assign busy_o    = flush_valid_i || (|t_valid) || fw_valid || fw2_valid;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      fw_valid  <= 1'b0;
      fw2_valid <= 1'b0;
    end else begin
      fw_valid  <= sum_valid;
      fw2_valid <= fw_valid;
    end
  end

  always_ff @(posedge clk_i) begin
    count_q    <= count_mem[raddr];
    fw_addr    <= raddr;
    fw_add     <= tree[LEVELS][0];
    fw_rfirst  <= t_rfirst[LEVELS];
    count_r    <= count_q;
    fw2_addr   <= fw_addr;
    fw2_add    <= fw_add;
    fw2_rfirst <= fw_rfirst;
    if (fw2_valid) count_mem[fw2_addr] <= (fw2_rfirst ? '0 : count_r) + CW'(fw2_add);
  end

  // Variable indices above the build's V_MAX do not occur.
  logic unused_ok;
  assign unused_ok = ^{raddr_i, t_addr[LEVELS]};

endmodule
