// One table copy shared by two lanes (docs/rtl.md): 16 banks, word a of the table
// in bank a mod 16 at row a / 16, each bank a true-dual-port block RAM (a RAMB18 as
// 1024 x 18 on a 7-series device). Port A writes while the frame loads (bn_loader)
// and reads for the first lane of the pair during the run (also for bn_ctrl's
// OFFSET pass, through lane 0); port B reads for the second lane. Each port reads
// its own row in every bank per cycle, the word registered.
module bn_table_pair
  import bn_base_pkg::*;
#(
  parameter int unsigned TABLE_MAX = 32768
) (
  input  logic                       clk_i,
  input  logic                       we_i,
  input  logic [TAW-1:0]             waddr_i,
  input  logic [16:0]                wdata_i,
  input  logic [(1<<KW)-1:0][TAW-KW-1:0] row_a_i,
  input  logic [(1<<KW)-1:0][TAW-KW-1:0] row_b_i,
  output logic [(1<<KW)-1:0][16:0]   word_a_o,
  output logic [(1<<KW)-1:0][16:0]   word_b_o
);
  localparam int unsigned TIW    = $clog2(TABLE_MAX);   // table index; addresses stay below TW
  localparam int unsigned BDEPTH = 1 << (TIW - KW);

  for (genvar j = 0; j < (1 << KW); j++) begin : g_bank
    // Port A writes only while the frame loads, when no read result is used, so a
    // read-write collision between the ports never matters: no_rw_check lets
    // synthesis map the bank to one true-dual-port block RAM without bypass logic
    // (yosys synth_ecp5 otherwise keeps a copy per read port).
    (* no_rw_check *)
    logic [16:0]       mem [BDEPTH];
    logic [TIW-KW-1:0] addr_a;
    logic              we;
    assign we     = we_i && waddr_i[KW-1:0] == KW'(j);
    assign addr_a = we_i ? waddr_i[TIW-1:KW] : row_a_i[j][TIW-KW-1:0];
    always_ff @(posedge clk_i) begin
      if (we) mem[addr_a] <= wdata_i;
      word_a_o[j] <= mem[addr_a];
    end
    always_ff @(posedge clk_i) word_b_o[j] <= mem[row_b_i[j][TIW-KW-1:0]];
  end

  // Rows and addresses above the build's TABLE_MAX do not occur.
  logic unused_ok;
  assign unused_ok = ^{waddr_i, row_a_i, row_b_i};

endmodule
