// A W:1 select of the sparse engine's z store (bm_sparse_zstore): its own module so
// that the synthesis maps each one alone (a 4:1 select is one LUT6).
module bm_sparse_zsel #(
  parameter int unsigned W = 4
) (
  input  logic [W-1:0]         d_i,
  input  logic [$clog2(W)-1:0] s_i,
  output logic                 q_o
);
  assign q_o = d_i[s_i];
endmodule
