// One xoshiro128** stream (spec §1.1): load a state, read the current draw, step.
// r_o is the draw the current state produces; step_i advances to the next state.
// The arithmetic lives in npq_pkg (xoshiro_draw, xoshiro_next) so that kernels
// which keep many states in memory use the very same functions.
module npq_xoshiro128ss (
  input  logic         clk_i,
  input  logic         rst_ni,
  input  logic         load_i,   // takes priority over step_i
  input  logic [127:0] state_i,  // {s3, s2, s1, s0}, s0 in bits [31:0]
  input  logic         step_i,
  output logic [31:0]  r_o,
  output logic [127:0] state_o
);
  logic [127:0] state_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q <= 128'd1;
    end else if (load_i) begin
      state_q <= state_i;
    end else if (step_i) begin
      state_q <= npq_pkg::xoshiro_next(state_q);
    end
  end

  assign r_o     = npq_pkg::xoshiro_draw(state_q[63:32]);
  assign state_o = state_q;
endmodule
