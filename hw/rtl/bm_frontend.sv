// Input framing and validation of bm_sampler (spec §4.1, §4.3, §4.5), the run's
// schedule (free neurons in order, colour starts marked), the initial state and the
// output frame head, error and INFO frames. The payload itself comes from bm_core.
//
// Each word is checked as it arrives (bm_frame_check), its value before its TLAST: a
// bad value reports its own status; TLAST on an earlier word is SHORT_FRAME; no TLAST
// on the last word is LONG_FRAME. After an error the rest of the frame up to TLAST is
// discarded, then the error frame goes out (bm_frame_reply).
//
// RUN_SPARSE frames (opcode 3, spec §4.3.1) are read up to their N word: a build
// without a sparse engine (SPARSE_N_MAX = D_MAX = 0, reported by INFO) answers LIMIT
// there, as the spec asks.
module bm_frontend #(
  parameter int unsigned P            = 4,
  parameter int unsigned N_MAX        = 256,
  parameter int unsigned TAU_MAX      = 255,
  parameter int unsigned SPARSE_N_MAX = 0,
  parameter int unsigned D_MAX        = 0
) (
  input  logic                      clk_i,
  input  logic                      rst_ni,
  // ap_ctrl_hs
  input  logic                      ap_start_i,
  output logic                      ap_ready_o,
  output logic                      ap_done_o,
  output logic                      ap_idle_o,
  output logic [3:0]                status_o,
  output logic                      status_valid_o,
  // input stream
  input  logic [31:0]               s_tdata_i,
  input  logic                      s_tvalid_i,
  output logic                      s_tready_o,
  input  logic                      s_tlast_i,
  // output frame head / error / INFO words; the core's payload follows
  output logic                      o_valid_o,
  output logic [31:0]               o_data_o,
  output logic                      o_last_o,
  input  logic                      o_ready_i,
  output logic                      core_owns_out_o,
  // run configuration and model load towards the core
  output logic [$clog2(N_MAX):0]    n_o,
  output logic [$clog2(N_MAX):0]    free_o,
  output logic [7:0]                tau_o,
  output logic [63:0]               seed_o,
  output logic [31:0]               sweeps_o,
  output logic [31:0]               burn_in_o,
  output logic [31:0]               thin_o,
  output logic                      record_o,
  output logic [N_MAX-1:0]          z_init_o,
  // the initial state (flags bit INIT): ζ of neurons 4w..4w+3 in word w, clamped
  // neurons already at their value, bytes past N zero
  output logic                      init_o,
  output logic                      iw_we_o,
  output logic [$clog2(N_MAX)-1:0]  iw_addr_o,
  output logic [31:0]               iw_data_o,
  output logic                      w_we_o,
  output logic [$clog2(N_MAX)-1:0]  w_row_o,
  output logic [$clog2(N_MAX)-1:0]  w_col_o,
  output logic [15:0]               w_data_o,
  output logic                      b_we_o,
  output logic [$clog2(N_MAX)-1:0]  b_addr_o,
  output logic [15:0]               b_data_o,
  output logic                      s_we_o,
  output logic [$clog2(N_MAX)-1:0]  s_addr_o,
  output logic                      s_cs_o,
  output logic [$clog2(N_MAX)-1:0]  s_k_o,
  output logic                      core_start_o,
  input  logic                      core_done_i
);
  import npq_pkg::*;
  import bm_frame_pkg::*;

  localparam int unsigned KW = $clog2(N_MAX);

  // The fields of a RUN_SPARSE frame past N are not read here.
  if (SPARSE_N_MAX != 0 || D_MAX != 0) begin : g_no_sparse_fields
    $error("bm_frontend: RUN_SPARSE frames are read up to N only; SPARSE_N_MAX and D_MAX must be 0");
  end

  typedef enum logic [2:0] {S_IDLE, S_READ, S_DISCARD, S_FRAME, S_SCHED, S_RUN} state_e;

  state_e      state_q;
  status_e     status_q;
  logic        info_q;

  // model fields
  logic [KW:0]        free_q;
  logic [KW-1:0]      order_mem [N_MAX];
  logic [N_MAX-1:0]   cstart_q, cmask_q, cval_q;
  logic [N_MAX-1:0]   znz_q;          // initial ζ != 0, i.e. z at the start (with INIT)
  // clamp mask and values shifted down by four neurons per initial-state word, so a
  // word's four neurons are always the low bits (no N_MAX/4-way select in the check).
  // The bits of the word on the bus are a register of their own (icm_q, icv_q);
  // init_cmask_q and init_cval_q hold the neurons from the next word on, and move a
  // cycle after their word, from registers (loaded a cycle after the flags word, shifted
  // a cycle after each INIT word: ild_q, ish_q), so the stream's accept is not in
  // their enables; icm_q takes the next word's bits from them as they will be.
  logic [N_MAX-1:0]   init_cmask_q, init_cval_q;
  logic               ild_q, ish_q;
  logic [3:0]         icm_q, icv_q;
  // weights: flat index f = row * N + col, two per word
  logic [KW-1:0]      w_row_q, w_col_q;
  // N - 1, the last column, registered: N is written three words or more before the
  // first weight word (F_C and a bias come between), and the subtract and 32-bit
  // compare in front of w_col_q's enable were 10.6 ns routed (the field build)
  logic [KW-1:0]      w_last_col_q;
  logic               w_high_q;      // the high half of the word still to write
  logic [15:0]        w_high_data_q;
  // a clamp word (mask or values) or an initial-state word's non-zero bytes, written a
  // cycle after its word from registers, so the handshake's fire is not in the enables
  // of those 2 N_MAX + N_MAX bits (nothing reads them for cycles after their field)
  logic               cm_we_q, cv_we_q, zi_we_q;
  logic [31:0]        cword_q;
  logic [KW-1:0]      ccount_q;
  logic [3:0]         init_nz_q;
  logic               clr_words_q;   // the frame's start, a cycle later: clears those bits
  // a colour-start bit (a bias word: neuron 0 only; a CEND word: its neuron), written a
  // cycle after its word from registers, like the clamp words (S_SCHED reads them)
  logic               cs_we_q, cs_val_q;
  logic [KW-1:0]      cs_idx_q;

  // ---------------------------------------------------------------- frame words
  logic [31:0] word;
  logic [15:0] low;
  logic        fire;
  assign word = s_tdata_i;
  assign low  = s_tdata_i[15:0];
  assign fire = s_tvalid_i && s_tready_o;

  field_e      field;
  logic [31:0] count;
  logic        last_of_field;
  status_e     check;
  logic        bad;
  logic        final_word;
  logic        thin_hold;
  logic [3:0]  init_keep;
  logic [31:0] word_keep;
  logic [31:0] payload_len;
  logic [KW:0] unused_c;
  logic        unused_d;
  bm_frame_check #(.SPARSE(1'b0), .N_MAX(N_MAX), .TAU_MAX(TAU_MAX)) u_check (
    .clk_i, .rst_ni,
    .start_i(ap_ready_o), .read_i(state_q == S_READ),
    .word_i(word), .valid_i(s_tvalid_i), .ready_i(s_tready_o), .tlast_i(s_tlast_i),
    .hold_o(thin_hold),
    .field_o(field), .count_o(count), .last_o(last_of_field), .check_o(check), .bad_o(bad),
    .final_o(final_word), .init_keep_o(init_keep), .init_clamped_i(icm_q),
    .clamp_keep_o(word_keep),
    .n_o, .c_o(unused_c), .d_o(unused_d), .tau_o, .seed_o, .sweeps_o, .burn_in_o, .thin_o,
    .record_o, .init_o, .payload_len_o(payload_len)
  );

  // The four bytes of an initial-state word as the core takes them: 0 past N, a
  // clamped neuron's byte its value.
  logic [3:0]  init_nz;
  logic [31:0] init_word;
  always_comb begin
    for (int unsigned j = 0; j < 4; j++) begin
      if (!init_keep[j]) init_word[j * 8 +: 8] = 8'd0;
      else if (icm_q[j]) init_word[j * 8 +: 8] = {7'd0, icv_q[j]};
      else init_word[j * 8 +: 8] = word[j * 8 +: 8];
      init_nz[j] = init_word[j * 8 +: 8] != 8'd0;
    end
  end

  // The weight memory takes one weight per cycle: a word is held for a second cycle.
  // The THIN word is held until its check is through.
  assign s_tready_o = (state_q == S_READ && !w_high_q && !thin_hold) || state_q == S_DISCARD;

  // The moved clamp bits themselves, 32 at a time, each word with copies of ild_q and
  // ish_q of its own (two registers drove all 512 enables: 10.6 ns routed)
  logic [N_MAX-1:0] cm_sh, cv_sh;      // shifted by four neurons
  assign cm_sh = {4'd0, init_cmask_q[N_MAX-1:4]};
  assign cv_sh = {4'd0, init_cval_q[N_MAX-1:4]};
  logic [N_MAX-1:0] cm_ld, cv_ld;      // the words, from the neurons after the first four
  assign cm_ld = {4'd0, cmask_q[N_MAX-1:4]};
  assign cv_ld = {4'd0, cval_q[N_MAX-1:4]};
  for (genvar w = 0; w < N_MAX / 32; w++) begin : g_imove
    logic ld_q, sh_q;
    (* keep *) always_ff @(posedge clk_i) begin
      ld_q <= state_q == S_READ && fire && field == F_SEED && last_of_field;
      sh_q <= state_q == S_READ && fire && field == F_INIT;
      if (ld_q) begin
        init_cmask_q[w * 32 +: 32] <= cm_ld[w * 32 +: 32];
        init_cval_q[w * 32 +: 32]  <= cv_ld[w * 32 +: 32];
      end else if (sh_q) begin
        init_cmask_q[w * 32 +: 32] <= cm_sh[w * 32 +: 32];
        init_cval_q[w * 32 +: 32]  <= cv_sh[w * 32 +: 32];
      end
    end
  end

  // ---------------------------------------------------------------- output words
  logic sent, head_sent;
  bm_frame_reply #(.P(P), .N_MAX(N_MAX), .TAU_MAX(TAU_MAX), .SPARSE_N_MAX(SPARSE_N_MAX),
                   .D_MAX(D_MAX)) u_reply (
    .clk_i, .rst_ni,
    .send_i(state_q == S_FRAME), .status_i(status_q), .info_i(info_q),
    .payload_len_i(payload_len), .o_valid_o, .o_data_o, .o_last_o, .o_ready_i,
    .sent_o(sent), .head_sent_o(head_sent)
  );

  // ---------------------------------------------------------------- schedule
  // Built after the frame, one position per cycle in four steps: read order[pos] and
  // whether pos starts a colour; hold them in flip-flops; look up whether that neuron
  // is clamped; write the entry (a free neuron) or carry the colour start over (a
  // clamped one). The LUT-RAM read and the N_MAX-way clamp-bit select would not fit
  // one cycle together, and yosys moves the first register in front of the LUT-RAM
  // (its read port is asynchronous): the second one is the one between them. The
  // select itself is split at that register too: the neuron's 16 clamp bits in step 2
  // (sc2_cm_q), its bit in step 3 (one 256:1 select was 11.8 ns routed).
  logic [KW:0]   pos_q;
  logic          cs_pending_q;
  logic          sc1_valid_q, sc2_valid_q, sc3_valid_q;   // steps 1 to 3 hold a position
  logic [KW-1:0] sc1_k_q, sc2_k_q, sc3_k_q;               // its neuron
  logic          sc1_cs_q, sc2_cs_q, sc3_cs_q;            // it starts a colour
  logic          sc3_clamped_q;
  logic [15:0]   sc2_cm_q;                                // the clamp bits of sc2_k_q's 16

  // ---------------------------------------------------------------- state machine
  assign ap_idle_o      = state_q == S_IDLE;
  assign ap_ready_o     = state_q == S_IDLE && ap_start_i;
  assign free_o         = free_q;
  assign z_init_o       = init_o ? znz_q : cmask_q & cval_q;
  assign core_owns_out_o = state_q == S_RUN;

  always_ff @(posedge clk_i) begin
    // written whatever the check says, as the other field registers
    if (state_q == S_READ && fire && field == F_ORDER)
      order_mem[count[KW-1:0]] <= low[KW-1:0];
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q        <= S_IDLE;
      status_q       <= STATUS_OK;
      info_q         <= 1'b0;
      free_q         <= '0;
      cstart_q       <= '0;
      cmask_q        <= '0;
      cval_q         <= '0;
      znz_q          <= '0;
      ild_q          <= 1'b0;
      ish_q          <= 1'b0;
      icm_q          <= '0;
      icv_q          <= '0;
      cs_we_q        <= 1'b0;
      cs_val_q       <= 1'b0;
      cs_idx_q       <= '0;
      iw_we_o        <= 1'b0;
      iw_addr_o      <= '0;
      iw_data_o      <= '0;
      cm_we_q        <= 1'b0;
      cv_we_q        <= 1'b0;
      zi_we_q        <= 1'b0;
      cword_q        <= '0;
      ccount_q       <= '0;
      init_nz_q      <= '0;
      clr_words_q    <= 1'b0;
      w_row_q        <= '0;
      w_col_q        <= '0;
      w_last_col_q   <= '0;
      w_high_q       <= 1'b0;
      w_high_data_q  <= '0;
      ap_done_o      <= 1'b0;
      status_o       <= '0;
      status_valid_o <= 1'b0;
      pos_q          <= '0;
      cs_pending_q   <= 1'b0;
      sc1_valid_q    <= 1'b0;
      sc2_valid_q    <= 1'b0;
      sc3_valid_q    <= 1'b0;
      sc1_k_q        <= '0;
      sc2_k_q        <= '0;
      sc3_k_q        <= '0;
      sc1_cs_q       <= 1'b0;
      sc2_cs_q       <= 1'b0;
      sc3_cs_q       <= 1'b0;
      sc3_clamped_q  <= 1'b0;
      sc2_cm_q       <= '0;
      core_start_o   <= 1'b0;
      w_we_o         <= 1'b0;
      w_row_o        <= '0;
      w_col_o        <= '0;
      w_data_o       <= '0;
      b_we_o         <= 1'b0;
      b_addr_o       <= '0;
      b_data_o       <= '0;
      s_we_o         <= 1'b0;
      s_addr_o       <= '0;
      s_cs_o         <= 1'b0;
      s_k_o          <= '0;
    end else begin
      ap_done_o      <= 1'b0;
      status_valid_o <= 1'b0;
      core_start_o   <= 1'b0;
      w_we_o         <= 1'b0;
      b_we_o         <= 1'b0;
      s_we_o         <= 1'b0;
      iw_we_o        <= 1'b0;
      // A weight's address and data are taken every cycle (they matter only with
      // w_we_o), so the handshake's fire is not in their enables: the low half of a
      // word while no high half is pending (the word's fire sets w_we_o), then the high
      // half, held from that cycle.
      w_row_o <= w_row_q;
      w_col_o <= w_col_q;
      w_last_col_q <= KW'(n_o - 1'b1);
      w_data_o <= w_high_q ? w_high_data_q : low;
      if (!w_high_q) w_high_data_q <= word[31:16];
      // likewise a bias's and an initial-state word's (b_we_o, iw_we_o)
      b_addr_o  <= count[KW-1:0];
      b_data_o  <= low;
      iw_addr_o <= count[KW-1:0];
      iw_data_o <= init_word;
      // the clamp and initial-state words a cycle later: word w holds neurons
      // 32w..32w+31 (4w..4w+3), written whole at a constant offset (a bit index computed
      // from the count makes yosys build a barrel shifter per bit); the bits at N and
      // above stay 0 as cleared at the start
      cm_we_q   <= state_q == S_READ && fire && field == F_CMASK;
      cv_we_q   <= state_q == S_READ && fire && field == F_CVAL;
      zi_we_q   <= state_q == S_READ && fire && field == F_INIT;
      cword_q   <= word & word_keep;
      ccount_q  <= count[KW-1:0];
      init_nz_q <= init_nz;
      for (int unsigned w = 0; w < N_MAX / 32; w++) begin
        if (cm_we_q && ccount_q == KW'(w)) cmask_q[w * 32 +: 32] <= cword_q;
        if (cv_we_q && ccount_q == KW'(w)) cval_q[w * 32 +: 32] <= cword_q;
      end
      for (int unsigned w = 0; w < N_MAX / 4; w++)
        if (zi_we_q && ccount_q == KW'(w)) znz_q[w * 4 +: 4] <= init_nz_q;
      // the colour starts likewise (BIAS words come before CEND words)
      cs_we_q  <= state_q == S_READ && fire
                  && (field == F_BIAS || (field == F_CEND && 32'(low) < 32'(n_o)));
      cs_idx_q <= field == F_BIAS ? count[KW-1:0] : low[KW-1:0];
      cs_val_q <= field != F_BIAS || count == 0;
      if (cs_we_q) cstart_q[cs_idx_q] <= cs_val_q;
      // the initial state's clamp bits: loaded a cycle after the flags word, shifted a
      // cycle after each INIT word (the next INIT word takes its bits from icm_q)
      ild_q <= state_q == S_READ && fire && field == F_SEED && last_of_field;
      ish_q <= state_q == S_READ && fire && field == F_INIT;
      // cleared in the frame's first read cycle (its head, long before those fields),
      // from a register next to them rather than the control's start
      clr_words_q <= state_q == S_IDLE && ap_start_i;
      if (clr_words_q) begin
        znz_q   <= '0;
        cmask_q <= '0;
        cval_q  <= '0;
      end

      // second half of a weight word
      if (w_high_q) begin
        w_high_q <= 1'b0;
        w_we_o   <= 1'b1;
        if (w_col_q == w_last_col_q) begin
          w_col_q <= '0;
          w_row_q <= w_row_q + 1;
        end else begin
          w_col_q <= w_col_q + 1;
        end
      end

      unique case (state_q)
        S_IDLE: if (ap_start_i) begin
          state_q    <= S_READ;
          status_q   <= STATUS_OK;
          info_q     <= 1'b0;
          w_row_q    <= '0;
          w_col_q    <= '0;
          // the schedule builder's start (S_SCHED follows the frame)
          pos_q        <= '0;
          free_q       <= '0;
          cs_pending_q <= 1'b0;
          sc1_valid_q  <= 1'b0;
          sc2_valid_q  <= 1'b0;
          sc3_valid_q  <= 1'b0;
        end

        S_READ: if (fire) begin
          // The word's registers are written whatever its check says (a bad frame is
          // discarded, and the next one starts from reset values): only the state and
          // the status wait for the check, which keeps its fan-out small.
          begin
            unique case (field)
              F_BIAS: b_we_o <= 1'b1;
              F_W: begin
                // low half now; the high half next cycle unless it is the padding
                w_we_o   <= 1'b1;
                if (w_col_q == w_last_col_q) begin
                  w_col_q <= '0;
                  w_row_q <= w_row_q + 1;
                end else begin
                  w_col_q <= w_col_q + 1;
                end
                w_high_q <= !(last_of_field && n_o[0]);
              end
              F_SEED: if (last_of_field) begin
                icm_q <= cmask_q[3:0];
                icv_q <= cval_q[3:0];
              end
              F_INIT: begin
                // the next word's bits: the moved bits as they are after this word
                iw_we_o <= 1'b1;
                icm_q   <= ild_q ? cmask_q[7:4] : ish_q ? init_cmask_q[7:4] : init_cmask_q[3:0];
                icv_q   <= ild_q ? cval_q[7:4]  : ish_q ? init_cval_q[7:4]  : init_cval_q[3:0];
              end
              default: ;
            endcase
          end
          if (bad) begin
            status_q <= check;
            state_q  <= s_tlast_i ? S_FRAME : S_DISCARD;
          end else if (final_word) begin
            info_q  <= field == F_OPCODE;
            state_q <= field == F_OPCODE ? S_FRAME : S_SCHED;
          end
        end

        S_DISCARD: if (fire && s_tlast_i) state_q <= S_FRAME;

        S_SCHED: begin
          // free neurons in order; a colour start carries over clamped neurons
          sc1_valid_q   <= pos_q != n_o;
          sc1_k_q       <= order_mem[pos_q[KW-1:0]];
          sc1_cs_q      <= cstart_q[pos_q[KW-1:0]];
          sc2_valid_q   <= sc1_valid_q;
          sc2_k_q       <= sc1_k_q;
          sc2_cs_q      <= sc1_cs_q;
          sc3_valid_q   <= sc2_valid_q;
          sc3_k_q       <= sc2_k_q;
          sc3_cs_q      <= sc2_cs_q;
          sc2_cm_q      <= cmask_q[{sc1_k_q[KW-1:4], 4'd0} +: 16];
          sc3_clamped_q <= sc2_cm_q[sc2_k_q[3:0]];
          if (pos_q != n_o) pos_q <= pos_q + 1;
          if (sc3_valid_q) begin
            if (sc3_clamped_q) begin
              cs_pending_q <= cs_pending_q || sc3_cs_q;
            end else begin
              s_we_o       <= 1'b1;
              s_addr_o     <= free_q[KW-1:0];
              s_cs_o       <= cs_pending_q || sc3_cs_q;
              s_k_o        <= sc3_k_q;
              free_q       <= free_q + 1;
              cs_pending_q <= 1'b0;
            end
          end else if (pos_q == n_o && !sc1_valid_q && !sc2_valid_q) begin
            state_q <= S_FRAME;
          end
        end

        S_FRAME: begin
          // the head (RUN) or the whole frame (error, INFO)
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
