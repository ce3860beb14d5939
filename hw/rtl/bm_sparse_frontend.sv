// Input framing and validation of bm_sampler's sparse build (ENGINE = 2; spec §4.1,
// §4.3.1, §4.5): RUN_SPARSE frames, INFO, and RUN frames answered LIMIT at their N
// word (the build has no dense engine: N_MAX = 0). Output frame head, error and INFO
// frames; the payload comes from bm_sparse_core.
//
// order and colour_end come first, so every later word is placed by its neuron's
// schedule position p (pos_mem): its bias and list go to unit p mod U, row p / U, and
// each list slot's neighbour index j is sent as j's position. While the biases arrive
// (one position per word) the colour of every position is tabulated, with its row's
// distance from its colour's first row and to its last (up to LOOP − 1), so that a list
// slot of non-zero weight between two neurons of one colour marks that colour deferred
// (an improper colouring; bm_sparse_core), and one from row i of a colour to row j from
// the end of the previous colour marks the LOOP − 1 − i − j bubbles of its hazard.
// Each word is checked as it arrives
// (bm_frame_check), its value before its TLAST; after an error the rest of the frame
// up to TLAST is discarded, then the error frame goes out (bm_frame_reply).
//
// The colour marks are off the sweep's path (the core reads them when its first pass
// starts, after the init pass), so they are pipelined for the clock: every memory read
// is registered and the compares come a stage after them (fl_we_o trails l_we_o by
// four cycles); the colour walk keeps its colour's last position in a register,
// the next colour's prefetched.
module bm_sparse_frontend #(
  parameter int unsigned U       = 32,
  parameter int unsigned N_MAX   = 1024,
  parameter int unsigned D_MAX   = 8,
  parameter int unsigned TAU_MAX = 255,
  parameter int unsigned LOOP    = 4       // bm_sparse_core's z loop in cycles
) (
  input  logic                         clk_i,
  input  logic                         rst_ni,
  // ap_ctrl_hs
  input  logic                         ap_start_i,
  output logic                         ap_ready_o,
  output logic                         ap_done_o,
  output logic                         ap_idle_o,
  output logic [3:0]                   status_o,
  output logic                         status_valid_o,
  // input stream
  input  logic [31:0]                  s_tdata_i,
  input  logic                         s_tvalid_i,
  output logic                         s_tready_o,
  input  logic                         s_tlast_i,
  // output frame head / error / INFO words; the core's payload follows
  output logic                         o_valid_o,
  output logic [31:0]                  o_data_o,
  output logic                         o_last_o,
  input  logic                         o_ready_i,
  output logic                         core_owns_out_o,
  // run configuration and the translated frame towards the core
  output logic [$clog2(N_MAX):0]       n_o,
  output logic [$clog2(N_MAX):0]       c_o,
  output logic [$clog2(D_MAX):0]       d_o,
  output logic [7:0]                   tau_o,
  output logic [63:0]                  seed_o,
  output logic [31:0]                  sweeps_o,
  output logic [31:0]                  burn_in_o,
  output logic [31:0]                  thin_o,
  output logic                         record_o,
  output logic                         init_o,
  output logic                         ord_we_o,
  output logic [$clog2(N_MAX)-1:0]     ord_p_o,
  output logic [$clog2(N_MAX)-1:0]     ord_k_o,
  output logic                         ce_we_o,      // colour c's end (its flags cleared)
  output logic [$clog2(N_MAX)-1:0]     ce_c_o,
  output logic [$clog2(N_MAX):0]       ce_end_o,
  output logic                         fl_we_o,      // colour c's flags set: deferred, hazard
  output logic [$clog2(N_MAX)-1:0]     fl_c_o,
  output logic                         fl_defer_o,
  output logic [LOOP-2:0]              fl_hazard_o,  // bubble k needed (thermometer)
  output logic                         b_we_o,
  output logic [$clog2(N_MAX)-1:0]     b_p_o,
  output logic [15:0]                  b_data_o,
  output logic                         l_we_o,
  output logic [$clog2(N_MAX)-1:0]     l_p_o,
  output logic [$clog2(D_MAX)-1:0]     l_slot_o,
  output logic [$clog2(N_MAX)+15:0]    l_data_o,
  output logic                         cm_we_o,
  output logic                         cv_we_o,
  output logic [$clog2(N_MAX)-6:0]     cw_addr_o,
  output logic [31:0]                  cw_data_o,
  output logic                         iw_we_o,
  output logic [$clog2(N_MAX)-3:0]     iw_addr_o,
  output logic [31:0]                  iw_data_o,
  output logic                         core_start_o,
  input  logic                         core_done_i
);
  import npq_pkg::*;
  import bm_frame_pkg::*;

  localparam int unsigned KW = $clog2(N_MAX);
  localparam int unsigned DW = $clog2(D_MAX);
  localparam int unsigned UB = $clog2(U);
  localparam int unsigned IW = $clog2(LOOP);    // a row distance, saturated at LOOP − 1
  localparam int unsigned RW = KW - UB;

  typedef enum logic [2:0] {S_IDLE, S_READ, S_DISCARD, S_FRAME, S_RUN} state_e;

  state_e      state_q;
  status_e     status_q;
  logic        info_q;

  // model fields
  logic [KW-1:0]      pos_mem    [N_MAX];      // neuron -> schedule position
  logic [KW+2*IW-1:0] colour_mem [N_MAX];      // position -> {colour, rows from its first, to its last}
  logic [KW-1:0]      clast_mem  [N_MAX];      // colour -> its last position (end − 1)
  logic [31:0]        cm_mem     [N_MAX / 32]; // clamp mask words, for the INIT check
  logic [KW-1:0]      lk_q;                    // list: the neuron
  logic [DW:0]        ls_q;                    // list: the slot
  // the colour walk over the bias words (position count): colour cc, its last
  // position, count's row from the colour's first (saturated), the next colour's index
  // (its last position read from clast_mem at the register cn, so that one-position
  // colours follow each other a word a cycle)
  logic [KW-1:0]      cc_q, cn_q, clast_q;
  logic [IW-1:0]      crow_q;
  logic               cw_v_q;
  logic [IW-1:0]      cw_i_q, cw_j_q;
  logic [KW-1:0]      cw_p_q, cw_c_q;
  logic [RW-1:0]      to_last;                 // rows from count's to its colour's last
  assign to_last = clast_q[KW-1:UB] - count[KW-1:UB];

  // ---------------------------------------------------------------- frame words
  logic [31:0] word;
  logic [15:0] low;
  logic        fire;
  assign word = s_tdata_i;
  assign low  = s_tdata_i[15:0];
  assign fire = s_tvalid_i && s_tready_o;

  field_e      field;
  logic [31:0] count;
  logic        unused_last_of_field;          // the check reads it itself
  status_e     check;
  logic        bad;
  logic        final_word;
  logic        thin_hold;
  logic [31:0] word_keep;
  logic [31:0] payload_len;
  // INIT word w: neurons 4w..4w+3, their clamp bits from the stored mask, held in a
  // register before the word arrives, so that no memory read and select sit in front
  // of the word check: icw_q is the mask word shifted to word w's four bits, nxt_q the
  // mask word after it. Both are loaded while the SEED words pass (the mask is in by
  // then), and the memory's one read port fetches the word after next as a mask word
  // is used up.
  logic [3:0]    init_cm;
  logic [3:0]    unused_init_keep;             // the check reads it itself
  logic [31:0]   icw_q, nxt_q, cm_rd;
  logic [KW-6:0] cm_ra;
  assign cm_ra   = field == F_INIT ? count[KW-3:3] + (KW-5)'(2) : (KW-5)'(count != 0);
  assign cm_rd   = cm_mem[cm_ra];
  assign init_cm = icw_q[3:0];
  always_ff @(posedge clk_i) begin
    if (field == F_SEED) begin
      if (count == 0) icw_q <= cm_rd;
      else            nxt_q <= cm_rd;
    end else if (fire && field == F_INIT) begin
      if (count[2:0] == 3'd7) begin
        icw_q <= nxt_q;
        nxt_q <= cm_rd;
      end else begin
        icw_q <= icw_q >> 4;
      end
    end
  end
  bm_frame_check #(.SPARSE(1'b1), .N_MAX(N_MAX), .D_MAX(D_MAX), .TAU_MAX(TAU_MAX)) u_check (
    .clk_i, .rst_ni,
    .start_i(ap_ready_o), .read_i(state_q == S_READ),
    .word_i(word), .valid_i(s_tvalid_i), .ready_i(s_tready_o), .tlast_i(s_tlast_i),
    .hold_o(thin_hold),
    .field_o(field), .count_o(count), .last_o(unused_last_of_field), .check_o(check), .bad_o(bad),
    .final_o(final_word), .init_keep_o(unused_init_keep), .init_clamped_i(init_cm),
    .clamp_keep_o(word_keep),
    .n_o, .c_o, .d_o, .tau_o, .seed_o, .sweeps_o, .burn_in_o, .thin_o,
    .record_o, .init_o, .payload_len_o(payload_len)
  );

  assign s_tready_o = (state_q == S_READ && !thin_hold) || state_q == S_DISCARD;

  // ---------------------------------------------------------------- list translation
  // L1: the word registered; L2: the neuron's and the neighbour's positions (pos_mem);
  // L2b: registered again (pos_mem's block RAM output straight into colour_mem's
  // address was 10.7 ns on the proxy); L3: their colour marks (colour_mem); L4: the
  // marks registered; then the flags. The slot is written after L2. A slot of non-zero weight
  //   * inside one colour marks it deferred (an improper colouring);
  //   * from row i of colour c (from its first) to row j from the last of the colour
  //     before it (c − 1, or C − 1 for colour 0: the previous pass), i + j <= LOOP − 2,
  //     marks bubbles i + j .. LOOP − 2 of c's *hazard*: that row reads z the previous
  //     pass writes LOOP − 1 − i − j cycles too late without them (bm_sparse_core).
  logic                l1_v_q, l2_v_q, l2b_v_q, l3_v_q, l4_v_q;
  logic [KW-1:0]       l1_k_q, l1_j_q, l2_p_q, l2_q_q, l2b_p_q, l2b_q_q;
  logic [DW-1:0]       l1_s_q, l2_s_q;
  logic [15:0]         l1_w_q, l2_w_q;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [KW+2*IW-1:0]  l3_pm_q, l3_qm_q;          // {colour, rows from first, to last}
  /* verilator lint_on UNUSEDSIGNAL */
  logic [KW-1:0]       def_c, nb_c, prev_c;       // L4: p's colour, q's
  logic [IW-1:0]       p_i, q_j;                  // p's row from its colour's first, q's to its last
  logic [IW:0]         ij;
  logic                def_we, haz_we;
  logic [LOOP-2:0]     haz_k;
  assign prev_c = def_c == '0 ? KW'(c_o - 1) : def_c - 1;
  assign ij     = {1'b0, p_i} + {1'b0, q_j};
  assign def_we = l4_v_q && def_c == nb_c;
  assign haz_we = l4_v_q && nb_c == prev_c && 32'(ij) <= LOOP - 2;
  for (genvar k = 0; k < LOOP - 1; k++) begin : g_haz
    assign haz_k[k] = 32'(ij) <= k;
  end

  // ---------------------------------------------------------------- output words
  // INFO: P is the units, N_MAX 0 (no dense engine)
  logic sent, head_sent;
  bm_frame_reply #(.P(U), .N_MAX(0), .TAU_MAX(TAU_MAX), .SPARSE_N_MAX(N_MAX),
                   .D_MAX(D_MAX)) u_reply (
    .clk_i, .rst_ni,
    .send_i(state_q == S_FRAME), .status_i(status_q), .info_i(info_q),
    .payload_len_i(payload_len), .o_valid_o, .o_data_o, .o_last_o, .o_ready_i,
    .sent_o(sent), .head_sent_o(head_sent)
  );

  // ---------------------------------------------------------------- state machine
  assign ap_idle_o       = state_q == S_IDLE;
  assign ap_ready_o      = state_q == S_IDLE && ap_start_i;
  assign core_owns_out_o = state_q == S_RUN;

  logic in_field;
  assign in_field = state_q == S_READ && fire;

  // memories and the translated writes (written whatever the word check says: a bad
  // frame is discarded and the next one rewrites everything it uses)
  always_ff @(posedge clk_i) begin
    ord_we_o <= in_field && field == F_ORDER;
    ord_p_o  <= count[KW-1:0];
    ord_k_o  <= low[KW-1:0];
    if (in_field && field == F_ORDER) pos_mem[low[KW-1:0]] <= count[KW-1:0];
    ce_we_o     <= in_field && field == F_CEND;
    ce_c_o      <= count[KW-1:0];
    ce_end_o    <= (KW+1)'(low);
    fl_we_o     <= def_we || haz_we;
    fl_c_o      <= def_c;
    fl_defer_o  <= def_we;
    fl_hazard_o <= haz_we ? haz_k : '0;
    // colour ends: each colour's last position
    if (in_field && field == F_CEND) clast_mem[count[KW-1:0]] <= low[KW-1:0] - KW'(1);
    // biases: neuron count at its position
    b_we_o   <= in_field && field == F_BIAS;
    b_p_o    <= pos_mem[count[KW-1:0]];
    b_data_o <= low;
    // position count's colour marks, a cycle later
    cw_v_q     <= in_field && field == F_BIAS;
    cw_p_q     <= count[KW-1:0];
    cw_c_q     <= cc_q;
    cw_i_q     <= crow_q;
    cw_j_q     <= 32'(to_last) < LOOP - 1 ? IW'(to_last) : IW'(LOOP - 1);
    if (cw_v_q) colour_mem[cw_p_q] <= {cw_c_q, cw_i_q, cw_j_q};
    // lists
    l1_v_q <= in_field && field == F_LIST;
    l1_k_q <= lk_q;
    l1_s_q <= ls_q[DW-1:0];
    l1_j_q <= low[KW-1:0];
    l1_w_q <= word[31:16];
    l2_v_q <= l1_v_q;
    l2_p_q <= pos_mem[l1_k_q];
    l2_q_q <= pos_mem[l1_j_q];
    l2_s_q <= l1_s_q;
    l2_w_q <= l1_w_q;
    l_we_o   <= l2_v_q;
    l_p_o    <= l2_p_q;
    l_slot_o <= l2_s_q;
    l_data_o <= {l2_w_q, l2_q_q};
    l2b_v_q <= l2_v_q && l2_w_q != 16'd0;
    l2b_p_q <= l2_p_q;
    l2b_q_q <= l2_q_q;
    l3_v_q  <= l2b_v_q;
    l3_pm_q <= colour_mem[l2b_p_q];
    l3_qm_q <= colour_mem[l2b_q_q];
    l4_v_q  <= l3_v_q;
    def_c   <= l3_pm_q[KW+2*IW-1:2*IW];
    p_i     <= l3_pm_q[2*IW-1:IW];
    nb_c    <= l3_qm_q[KW+2*IW-1:2*IW];
    q_j     <= l3_qm_q[IW-1:0];
    // clamp words (bits past N cleared), initial-state words
    cm_we_o   <= in_field && field == F_CMASK;
    cv_we_o   <= in_field && field == F_CVAL;
    cw_addr_o <= count[KW-6:0];
    cw_data_o <= word & word_keep;
    if (in_field && field == F_CMASK) cm_mem[count[KW-6:0]] <= word & word_keep;
    iw_we_o   <= in_field && field == F_INIT;
    iw_addr_o <= count[KW-3:0];
    iw_data_o <= word;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q        <= S_IDLE;
      status_q       <= STATUS_OK;
      info_q         <= 1'b0;
      lk_q           <= '0;
      ls_q           <= '0;
      cc_q           <= '0;
      cn_q           <= '0;
      crow_q         <= '0;
      clast_q        <= '0;
      ap_done_o      <= 1'b0;
      status_o       <= '0;
      status_valid_o <= 1'b0;
      core_start_o   <= 1'b0;
    end else begin
      ap_done_o      <= 1'b0;
      status_valid_o <= 1'b0;
      core_start_o   <= 1'b0;

      unique case (state_q)
        S_IDLE: if (ap_start_i) begin
          state_q    <= S_READ;
          status_q   <= STATUS_OK;
          info_q     <= 1'b0;
          lk_q       <= '0;
          ls_q       <= '0;
          cc_q       <= '0;
          cn_q       <= KW'(1);
          crow_q     <= '0;
        end

        S_READ: if (fire) begin
          unique case (field)
            F_CEND:   if (count == 0) clast_q <= low[KW-1:0] - KW'(1);
            F_BIAS:   if (count[KW-1:0] == clast_q) begin
              // the next position starts the next colour
              cc_q     <= cn_q;
              cn_q     <= cn_q + 1;
              clast_q  <= clast_mem[cn_q];
              crow_q   <= '0;
            end else if (count[UB-1:0] == UB'(U - 1) && 32'(crow_q) < LOOP - 1) begin
              crow_q   <= crow_q + 1;             // the next position starts a row
            end
            F_LIST: begin
              if (32'(ls_q) + 1 == 32'(d_o)) begin
                ls_q <= '0;
                lk_q <= lk_q + 1;
              end else begin
                ls_q <= ls_q + 1;
              end
            end
            default: ;
          endcase
          if (bad) begin
            status_q <= check;
            state_q  <= s_tlast_i ? S_FRAME : S_DISCARD;
          end else if (final_word) begin
            info_q  <= field == F_OPCODE;
            state_q <= S_FRAME;
          end
        end

        S_DISCARD: if (fire && s_tlast_i) state_q <= S_FRAME;

        S_FRAME: begin
          // the head (RUN_SPARSE) or the whole frame (error, INFO)
          if (sent) begin
            state_q        <= S_IDLE;
            ap_done_o      <= 1'b1;
            status_o       <= status_q;
            status_valid_o <= 1'b1;
          end else if (head_sent) begin
            state_q      <= S_RUN;
            core_start_o <= 1'b1;
          end
        end

        S_RUN: if (core_done_i) begin
          state_q        <= S_IDLE;
          ap_done_o      <= 1'b1;
          status_o       <= STATUS_OK;
          status_valid_o <= 1'b1;
        end

        default: state_q <= S_IDLE;
      endcase
    end
  end
endmodule
