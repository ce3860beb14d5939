// The neuron states z of the sparse engine, read by every list slot of every unit in
// the same cycle (docs/design/bm_throughput.md §3). Position p's z is bit p mod U of
// row p / U: a row is the z of one op's U positions, so every write of a cycle (the U
// units' s16 of one row, or the init pass's one position) falls in one row. A write
// is a read-modify-write of that row (the banks not written keep their bit), and the
// merge itself is the units' (bm_sparse_unit: bank u's new bit is a select after its
// decision's carry chain, with the old bit as one input): the store hands them the old
// row of the cycle's write row (old_o), takes the merged row (row_i), registers it and
// writes it to every copy a cycle later, so the write data's fan-out into the copies
// starts at a flip-flop. The old row comes from registers: read from the store a
// cycle ahead (waddr_next_i, the row written next), with the row in the write register
// if that is the one (row_q holds the merge of the cycle before), so no memory read or
// compare lies between the units' decisions and the write register (a module boundary
// on the proxy, whose synthesis maps module by module, is a LUT level of its own).
// The store is R = N_MAX/U words of U bits with one write port, read at READS rows at
// once (a read takes the position's bit of its row: a U:1 select); a write is seen by
// the reads two cycles after it. Read ports 0 .. READS-2 serve the units' list slots,
// the last one the read-out; the old row's read is a port of its own.
//
// How it maps: one copy of the store per PORTS read ports, each copy a LUT-RAM with
// PORTS read ports and one write port (Xilinx RAM32M/RAM64M: 3 read ports and the
// write port per 4 LUTs, 2 or 1 bits each), written alike; the old row's read is port
// READS, in the last copy (at U·D + 1 = 257 reads, the 86th copy's third port). Written as explicit copies because yosys
// maps one memory of READS read ports to flip-flops and READS N_MAX:1 multiplexers
// (its cost model counts the bits, not the read multiplexers) and runs out of memory
// doing so at U = 32.
module bm_sparse_zstore #(
  parameter int unsigned N_MAX = 1024,
  parameter int unsigned U     = 32,
  parameter int unsigned READS = 257
) (
  input  logic                                 clk_i,
  input  logic [$clog2(N_MAX/U)-1:0]           waddr_i,       // the row of every write of the cycle
  input  logic [$clog2(N_MAX/U)-1:0]           waddr_next_i,  // the next cycle's waddr_i
  output logic [U-1:0]                         old_o,         // waddr_i's row before this cycle's write
  input  logic [U-1:0]                         row_i,         // waddr_i's row after it (the units' merge)
  input  logic [READS-1:0][$clog2(N_MAX)-1:0]  rpos_i,
  output logic [READS-1:0]                     z_o
);
  localparam int unsigned R      = N_MAX / U;
  localparam int unsigned UB     = $clog2(U);
  localparam int unsigned KW     = $clog2(N_MAX);
  localparam int unsigned PORTS  = 3;
  localparam int unsigned COPIES = (READS + PORTS) / PORTS;      // READS + 1 ports

  localparam int unsigned RW     = KW - UB;
  logic [U-1:0]            row_q, oldx_q, mem_row;
  logic [RW-1:0]           waddr_q;
  logic                    same_q;     // waddr_i is the row written into row_q last cycle
  logic [READS:0][U-1:0]   row_rd;

  // The old row of the next cycle's write row r: row_q's if row_q will then hold r's
  // last merge (same_q), else, as of this cycle, row_q's if row_q now holds r (the
  // copies take it at the cycle's end), else the copies' (every earlier merge is in).
  always_ff @(posedge clk_i) begin
    row_q   <= row_i;
    waddr_q <= waddr_i;
    same_q  <= waddr_next_i == waddr_i;
    oldx_q  <= waddr_next_i == waddr_q ? row_q : mem_row;
  end
  assign old_o = same_q ? row_q : oldx_q;

  for (genvar c = 0; c < COPIES; c++) begin : g_copy
    (* ram_style = "distributed" *) logic [U-1:0] mem [R];
    // written every cycle: with no bank enabled the row is its own old value, and the
    // write enable of every copy needs no OR of the banks' enables
    always_ff @(posedge clk_i) mem[waddr_q] <= row_q;
    for (genvar i = 0; i < PORTS; i++) begin : g_port
      if (c * PORTS + i < READS) begin : g_used
        assign row_rd[c * PORTS + i] = mem[rpos_i[c * PORTS + i][KW-1:UB]];
      end else if (c * PORTS + i == READS) begin : g_merge_read
        assign row_rd[READS] = mem[waddr_next_i];
      end
    end
  end
  assign mem_row = row_rd[READS];

  // The U:1 select reads a row of its own (yosys turns row_rd[rp][i] into a shift of
  // all READS rows by rp U + i): 4:1 selects of the low two bank bits (one LUT6 each),
  // then one of those. Each select is a module of its own, so the synthesis maps it
  // alone: yosys' abc, handed all 257 U:1 selects of a module, took ~15 LUT each at
  // U = 32 where this takes 11 (8 + 3).
  localparam int unsigned QB = UB < 2 ? UB : 2;
  for (genvar rp = 0; rp < READS; rp++) begin : g_sel
    logic [U-1:0]          row;
    logic [U/(2**QB)-1:0]  quad;
    assign row = row_rd[rp];
    for (genvar q = 0; q < U / (2 ** QB); q++) begin : g_quad
      bm_sparse_zsel #(.W(2 ** QB)) u_sel (
        .d_i(row[q * (2 ** QB) +: 2 ** QB]), .s_i(rpos_i[rp][QB-1:0]), .q_o(quad[q])
      );
    end
    if (UB > QB) begin : g_high
      bm_sparse_zsel #(.W(U / (2 ** QB))) u_sel (
        .d_i(quad), .s_i(rpos_i[rp][UB-1:QB]), .q_o(z_o[rp])
      );
    end else begin : g_one
      assign z_o[rp] = quad[0];
    end
  end
endmodule
