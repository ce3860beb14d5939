// The neuron states z of the sparse engine, read by every list slot of every unit in
// the same cycle (docs/design/bm_throughput.md §3). Position p's z sits in bank
// p mod U at address p / U; bank u is written only by unit u (one write port per bank
// in the cycle a colour's row decides), and read at READS addresses at once: each bank
// is a small LUT-RAM that synthesis replicates per read port (one write port, many
// reads), and a read takes the bank named by the position's low bits (a U:1 select).
// Read ports 0 .. READS-2 serve the units' list slots, the last one the read-out.
module bm_sparse_zstore #(
  parameter int unsigned N_MAX = 1024,
  parameter int unsigned U     = 32,
  parameter int unsigned READS = 257
) (
  input  logic                                 clk_i,
  input  logic [U-1:0]                         we_i,
  input  logic [U-1:0][$clog2(N_MAX/U)-1:0]    waddr_i,
  input  logic [U-1:0]                         wdata_i,
  input  logic [READS-1:0][$clog2(N_MAX)-1:0]  rpos_i,
  output logic [READS-1:0]                     z_o
);
  localparam int unsigned R  = N_MAX / U;
  localparam int unsigned UB = $clog2(U);
  localparam int unsigned KW = $clog2(N_MAX);

  logic [READS-1:0][U-1:0] bank_z;
  for (genvar b = 0; b < U; b++) begin : g_bank
    logic mem [R];
    always_ff @(posedge clk_i) begin
      if (we_i[b]) mem[waddr_i[b]] <= wdata_i[b];
    end
    for (genvar rp = 0; rp < READS; rp++) begin : g_read
      assign bank_z[rp][b] = mem[rpos_i[rp][KW-1:UB]];
    end
  end
  for (genvar rp = 0; rp < READS; rp++) begin : g_sel
    assign z_o[rp] = bank_z[rp][rpos_i[rp][UB-1:0]];
  end
endmodule
