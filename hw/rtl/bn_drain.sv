// Output-frame writer of bn_sampler (docs/spec.md §4.4): the head (magic,
// status, L), then the INFO payload, or the RUN payload read from the count
// memory (bn_counts): count[i][k], low word then high word,
// for every state of every variable, then the total. The total equals the sum of
// variable 0's counts (every sample neuron has exactly one state of variable 0).
module bn_drain
  import bn_base_pkg::*;
#(
  parameter int unsigned P           = 4,
  parameter int unsigned V_MAX       = 128,
  parameter int unsigned CARD_MAX    = 16,
  parameter int unsigned PARENTS_MAX = 8,
  parameter int unsigned TABLE_MAX   = 32768,
  parameter int unsigned T_MAX       = 1 << 20
) (
  input  logic                   clk_i,
  input  logic                   rst_ni,
  input  logic                   start_i,
  output logic                   done_o,
  input  npq_pkg::status_e       status_i,
  input  logic                   info_i,
  input  logic [VW:0]            n_vars_i,
  input  logic [11:0]            sum_card_i,
  output logic [VW-1:0]          card_raddr_o,
  input  logic [4:0]             card_rdata_i,
  output logic [CAW-1:0]         cnt_raddr_o,
  input  logic [CW-1:0]          cnt_rdata_i,
  output logic [31:0]            m_axis_tdata_o,
  output logic                   m_axis_tvalid_o,
  input  logic                   m_axis_tready_i,
  output logic                   m_axis_tlast_o
);
  import npq_pkg::*;

  localparam int unsigned INFO_WORDS = 7;

  typedef enum logic [3:0] {
    S_IDLE, S_MAGIC, S_STATUS, S_LEN, S_INFO, S_ADDR, S_READ, S_WORD, S_SUM, S_LO, S_HI, S_TOTAL_LO,
    S_TOTAL_HI
  } state_e;

  state_e        state_q;
  logic [2:0]    info_idx_q;
  logic [VW-1:0] i_q;
  logic [KW-1:0] k_q;
  logic [CW-1:0] count_q, total_q, word_q;
  logic          fire, ok_run, last_state, last_var;

  assign fire       = m_axis_tvalid_o && m_axis_tready_i;
  assign ok_run     = status_i == STATUS_OK && !info_i;
  assign last_state = {1'b0, k_q} == card_rdata_i - 5'd1;
  assign last_var   = {1'b0, i_q} == n_vars_i - 1'b1;


  always_comb begin
    logic [31:0] info_word;
    unique case (info_idx_q)
      3'd0:    info_word = 32'(SPEC_VERSION);
      3'd1:    info_word = 32'(P);
      3'd2:    info_word = 32'(V_MAX);
      3'd3:    info_word = 32'(CARD_MAX);
      3'd4:    info_word = 32'(PARENTS_MAX);
      3'd5:    info_word = 32'(TABLE_MAX);
      default: info_word = 32'(T_MAX);
    endcase
    m_axis_tvalid_o = 1'b1;
    m_axis_tlast_o  = 1'b0;
    unique case (state_q)
      S_MAGIC:    m_axis_tdata_o = MAGIC_OUT;
      S_STATUS:   m_axis_tdata_o = 32'(status_i);
      S_LEN: begin
        m_axis_tdata_o = info_i ? 32'(INFO_WORDS) : ok_run ? {19'd0, sum_card_i + 12'd1, 1'b0} : '0;
        m_axis_tlast_o = !ok_run && !info_i;
      end
      S_INFO: begin
        m_axis_tdata_o = info_word;
        m_axis_tlast_o = info_idx_q == 3'(INFO_WORDS - 1);
      end
      S_LO:       m_axis_tdata_o = count_q[31:0];
      S_HI:       m_axis_tdata_o = 32'(count_q[CW-1:32]);
      S_TOTAL_LO: m_axis_tdata_o = total_q[31:0];
      S_TOTAL_HI: begin
        m_axis_tdata_o = 32'(total_q[CW-1:32]);
        m_axis_tlast_o = 1'b1;
      end
      default: begin
        m_axis_tdata_o  = '0;
        m_axis_tvalid_o = 1'b0;
      end
    endcase
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q    <= S_IDLE;
      info_idx_q <= '0;
      i_q        <= '0;
      k_q        <= '0;
      total_q    <= '0;
    end else begin
      unique case (state_q)
        S_IDLE: if (start_i) begin
          state_q    <= S_MAGIC;
          info_idx_q <= '0;
          i_q        <= '0;
          k_q        <= '0;
          total_q    <= '0;
        end
        S_MAGIC:  if (fire) state_q <= S_STATUS;
        S_STATUS: if (fire) state_q <= S_LEN;
        S_LEN:    if (fire) state_q <= info_i ? S_INFO : ok_run ? S_ADDR : S_IDLE;
        S_INFO:   if (fire) begin
          info_idx_q <= info_idx_q + 1'b1;
          if (m_axis_tlast_o) state_q <= S_IDLE;
        end
        // The count memory is read in S_ADDR, registers its word in S_READ, and
        // the word is registered here in S_WORD.
        S_ADDR:   state_q <= S_READ;
        S_READ:   state_q <= S_WORD;
        S_WORD:   state_q <= S_SUM;
        S_SUM: begin
          count_q <= word_q;
          if (i_q == '0) total_q <= total_q + word_q;
          state_q <= S_LO;
        end
        S_LO:     if (fire) state_q <= S_HI;
        S_HI:     if (fire) begin
          k_q <= last_state ? '0 : k_q + 1'b1;
          if (last_state) i_q <= i_q + 1'b1;
          state_q <= (last_state && last_var) ? S_TOTAL_LO : S_ADDR;
        end
        S_TOTAL_LO: if (fire) state_q <= S_TOTAL_HI;
        S_TOTAL_HI: if (fire) state_q <= S_IDLE;
        default:    state_q <= S_IDLE;
      endcase
    end
  end

  always_ff @(posedge clk_i) word_q <= cnt_rdata_i;

  assign done_o       = fire && m_axis_tlast_o;
  assign card_raddr_o = i_q;
  assign cnt_raddr_o  = {i_q, k_q};

endmodule
