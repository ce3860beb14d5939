// One lane of bm_sampler: the weights of columns j = b*P + LANE (b = 0..N_MAX/P-1) of
// every row, the partial sum of one neuron's potential over those columns, and the
// on-count bank of neurons k = i*P + LANE.
//
// Potential: the beat b of neuron k reads W[k][b*P + LANE] (address {k, b}); two
// cycles later (the read, a register) the lane adds it when z_j = 1 (z from the colour's snapshot), and keeps it on late_w_o
// when j is the late column, whose z the core adds later instead. After the last beat
// acc_o holds sum_b W[k][bP+LANE] z_j for one cycle before the next neuron restarts
// it; late_w_o holds the neuron's late weight until the next neuron's late beat.
module bm_lane #(
  parameter int unsigned P     = 4,
  parameter int unsigned LANE  = 0,
  parameter int unsigned N_MAX = 256
) (
  input  logic                          clk_i,
  // weight load
  input  logic                          w_we_i,
  input  logic [$clog2(N_MAX)-1:0]      w_row_i,
  input  logic [$clog2(N_MAX/P)-1:0]    w_beat_i,
  input  logic [15:0]                   w_data_i,
  // issue (stage I) and accumulate (stage A, two cycles later)
  input  logic                          rd_en_i,
  input  logic [$clog2(N_MAX)-1:0]      rd_row_i,
  input  logic [$clog2(N_MAX/P)-1:0]    rd_beat_i,
  input  logic                          acc_en_i,
  input  logic                          acc_first_i,
  input  logic                          acc_use_i,    // z_j = 1 and j < N
  input  logic                          late_hit_i,   // j is the late column
  output logic signed [31:0]            acc_o,
  output logic signed [15:0]            late_w_o,     // the late column's weight
  // on counts: clear, add z (read-modify-write over two cycles), read out
  input  logic                          on_clear_i,
  input  logic                          on_add_i,
  input  logic [$clog2(N_MAX/P)-1:0]    on_addr_i,
  input  logic                          on_z_i,
  output logic [31:0]                   on_rd_o
);
  localparam int unsigned DEPTH = N_MAX * (N_MAX / P);
  localparam int unsigned BANK  = N_MAX / P;

  logic signed [15:0] w_mem [DEPTH];
  logic signed [15:0] w_rd, w_q;

  // the block RAM's output is registered (stage W) before the adder: its clock-to-out
  // alone is 4.3 ns on the timing proxy
  always_ff @(posedge clk_i) begin
    if (w_we_i) w_mem[{w_row_i, w_beat_i}] <= w_data_i;
    if (rd_en_i) w_rd <= w_mem[{rd_row_i, rd_beat_i}];
    w_q <= w_rd;
  end

  // The sum of at most N_MAX/P 16-bit weights: AW bits hold it exactly, and the
  // shorter carry chain follows the block RAM's slow output.
  localparam int unsigned AW = 17 + $clog2(N_MAX / P);
  logic signed [AW-1:0] acc_q;
  assign acc_o = 32'(acc_q);

  always_ff @(posedge clk_i) begin
    if (acc_en_i) begin
      acc_q <= (acc_first_i ? AW'(0) : acc_q) + (acc_use_i ? AW'(w_q) : AW'(0));
      if (late_hit_i) late_w_o <= w_q;
    end
  end

  // On-count bank: the read at on_addr_i happens every cycle; an add writes back the
  // value read in the previous cycle plus z, so a run of adds goes one per cycle.
  logic [31:0]                on_mem [BANK];
  logic                       add_q, clear_q, z_q;
  logic [$clog2(BANK)-1:0]    addr_q;

  always_ff @(posedge clk_i) begin
    on_rd_o <= on_mem[on_addr_i];
    add_q   <= on_add_i;
    clear_q <= on_clear_i;
    z_q     <= on_z_i;
    addr_q  <= on_addr_i;
    if (clear_q) on_mem[addr_q] <= 32'd0;
    else if (add_q) on_mem[addr_q] <= on_rd_o + {31'd0, z_q};
  end

  // LANE only names the instance's columns; the arithmetic is the same in every lane.
  if (LANE >= P) begin : g_bad_lane
    $error("bm_lane: LANE must be below P");
  end
endmodule
