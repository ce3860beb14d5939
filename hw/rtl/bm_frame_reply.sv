// The words bm_sampler's front end writes itself (spec §4.4, §4.5): a RUN's output
// head, or a whole error or INFO frame. Shared by bm_frontend and bm_sparse_frontend;
// the INFO words are the build's. While `send_i` is held it writes them with the
// stream's handshake; `sent_o` marks the cycle a frame's last word is taken,
// `head_sent_o` the cycle after a RUN's head, when the core takes the stream over.
module bm_frame_reply #(
  parameter int unsigned P            = 4,     // INFO: lanes (units of the sparse build)
  parameter int unsigned N_MAX        = 256,
  parameter int unsigned TAU_MAX      = 255,
  parameter int unsigned SPARSE_N_MAX = 0,
  parameter int unsigned D_MAX        = 0
) (
  input  logic                  clk_i,
  input  logic                  rst_ni,
  input  logic                  send_i,
  input  npq_pkg::status_e      status_i,
  input  logic                  info_i,          // an INFO frame (status OK)
  input  logic [31:0]           payload_len_i,   // a RUN's
  output logic                  o_valid_o,
  output logic [31:0]           o_data_o,
  output logic                  o_last_o,
  input  logic                  o_ready_i,
  output logic                  sent_o,
  output logic                  head_sent_o
);
  import npq_pkg::*;

  logic [3:0]  idx_q;
  logic [3:0]  len;               // words of the frame this block writes
  logic [31:0] word;
  logic        whole;             // the frame ends with these words (error, INFO)
  assign whole = status_i != STATUS_OK || info_i;
  always_comb begin
    // INFO payload (§4.4): version, P, N_MAX, TAU_MAX, SPARSE_N_MAX, D_MAX
    len = (status_i == STATUS_OK && info_i) ? 4'd9 : 4'd3;
    unique case (idx_q)
      4'd0: word = MAGIC_OUT;
      4'd1: word = 32'(status_i);
      4'd2: word = (status_i != STATUS_OK) ? 32'd0 : (info_i ? 32'd6 : payload_len_i);
      4'd3: word = 32'(SPEC_VERSION);
      4'd4: word = 32'(P);
      4'd5: word = 32'(N_MAX);
      4'd6: word = 32'(TAU_MAX);
      4'd7: word = 32'(SPARSE_N_MAX);
      default: word = 32'(D_MAX);
    endcase
  end

  logic step;                     // the output register may take a word
  assign step        = send_i && (!o_valid_o || o_ready_i);
  assign sent_o      = step && o_valid_o && o_last_o;
  assign head_sent_o = step && !(o_valid_o && o_last_o) && idx_q >= len;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      idx_q     <= '0;
      o_valid_o <= 1'b0;
      o_data_o  <= '0;
      o_last_o  <= 1'b0;
    end else if (!send_i) begin
      idx_q <= '0;
    end else if (step) begin
      if (o_valid_o && o_last_o) begin
        o_valid_o <= 1'b0;
        o_last_o  <= 1'b0;
      end else if (idx_q < len) begin
        o_valid_o <= 1'b1;
        o_data_o  <= word;
        o_last_o  <= whole && idx_q == len - 1;
        idx_q     <= idx_q + 1;
      end else begin
        o_valid_o <= 1'b0;          // a RUN: the core writes the payload
      end
    end
  end
endmodule
