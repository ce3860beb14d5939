// Input framing and validation of bm_sampler (spec §4.1, §4.3, §4.5), the run's
// schedule (free neurons in order, colour starts marked), the initial state and the
// output frame head, error and INFO frames. The payload itself comes from bm_core.
//
// Each word is checked as it arrives, its value before its TLAST: a bad value
// reports its own status; TLAST on an earlier word is SHORT_FRAME; no TLAST on the
// last word is LONG_FRAME. After an error the rest of the frame up to TLAST is
// discarded, then the error frame goes out.
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

  localparam int unsigned KW = $clog2(N_MAX);

  // The fields of a RUN_SPARSE frame past N are not read here.
  if (SPARSE_N_MAX != 0 || D_MAX != 0) begin : g_no_sparse_fields
    $error("bm_frontend: RUN_SPARSE frames are read up to N only; SPARSE_N_MAX and D_MAX must be 0");
  end

  typedef enum logic [4:0] {
    F_MAGIC, F_VERSION, F_OPCODE, F_N, F_C, F_BIAS, F_W, F_ORDER, F_CEND, F_CMASK,
    F_CVAL, F_SWEEPS, F_BURN, F_THIN, F_TAU, F_SEED, F_INIT
  } field_e;

  typedef enum logic [2:0] {S_IDLE, S_READ, S_DISCARD, S_FRAME, S_SCHED, S_RUN} state_e;

  state_e      state_q;
  field_e      field_q;
  logic [31:0] count_q;        // words read in the current field
  status_e     status_q;
  logic        info_q;
  logic        sparse_q;       // the opcode was RUN_SPARSE

  // model fields
  logic [KW:0]        n_q, c_q, free_q;
  logic [15:0]        prev_end_q;
  logic [KW-1:0]      order_mem [N_MAX];
  logic [N_MAX-1:0]   seen_q, cstart_q, cmask_q, cval_q;
  logic [31:0]        sweeps_q, burn_q, thin_q, seed_lo_q;
  logic               record_q;       // flags bit 0
  logic               init_q;         // flags bit 1; the other flag bits are ignored
  logic [N_MAX-1:0]   znz_q;          // initial ζ != 0, i.e. z at the start (with INIT)
  // clamp mask and values shifted down by four neurons per initial-state word, so the
  // word's four neurons are always bits [3:0] (no N_MAX/4-way select in the check)
  logic [N_MAX-1:0]   init_cmask_q, init_cval_q;
  logic [7:0]         tau_q;
  logic [63:0]        seed_q;
  // weights: flat index f = row * N + col, two per word
  logic [KW-1:0]      w_row_q, w_col_q;
  logic               w_high_q;      // the high half of the word still to write
  logic [15:0]        w_high_data_q;
  logic [31:0]        state_words, zeta_words;
  assign state_words = (32'(n_q) + 32'd31) >> 5;
  assign zeta_words  = (32'(n_q) + 32'd3) >> 2;

  // ---------------------------------------------------------------- frame arithmetic
  // Products of the frame's sizes, registered so that no multiplier sits in front of
  // the word checks (they are off the sampling path; docs/rtl.md, timing).
  //   w_last_q: index of the last weight word, (N^2 + 1) / 2 - 1. N is written at F_N
  //     and first needed with the last bias word, three words later at the earliest
  //     (F_C, two biases; N = 1 does without it): the two stages are ready by then.
  //   rec_words_q: sweeps * state words, the recorded payload. SWEEPS is written six
  //     words before the flags word that checks it.
  logic [2*KW+1:0]    nn_q;
  logic [31:0]        w_last_q;
  logic [63:0]        rec_words_q;
  logic [KW-4:0]      sw_q;           // state words, registered in front of the product
  always_ff @(posedge clk_i) begin
    nn_q        <= (2*KW+2)'(n_q) * (2*KW+2)'(n_q);
    w_last_q    <= ((32'(nn_q) + 32'd1) >> 1) - 32'd1;
    sw_q        <= state_words[KW-4:0];
    rec_words_q <= 64'(sweeps_q) * 64'(sw_q);
  end

  // ---------------------------------------------------------------- word checks
  logic [31:0] word;
  logic [15:0] low;
  logic        fire;
  assign word = s_tdata_i;
  assign low  = s_tdata_i[15:0];
  assign fire = s_tvalid_i && s_tready_o;

  // sweeps * thin < 2^32 (spec §3.4): spike counts are one 32-bit word each. The THIN
  // word waits on the bus (tready low) for THIN_WAIT cycles while a pipelined multiply
  // checks it: the word; its 16 x 16 partial products; their sum; the test. With
  // S * T = hh 2^32 + (hl + lh) 2^16 + ll and ll < 2^32:
  //   S * T >= 2^32  iff  hh != 0  or  hl + lh + (ll >> 16) >= 2^16
  localparam int unsigned THIN_WAIT = 4;
  logic [2:0]  thin_wait_q;     // cycles the THIN word has been on the bus
  logic [31:0] thin_word_q;
  logic [31:0] p_lh_q, p_hl_q, p_hh_q;
  logic [15:0] p_ll_hi_q;
  logic [17:0] p_mid_hi_q;
  logic        hh_nz_q, too_many_sweeps_q;
  always_ff @(posedge clk_i) begin
    thin_word_q       <= word;
    p_ll_hi_q         <= 16'((32'(sweeps_q[15:0]) * 32'(thin_word_q[15:0])) >> 16);
    p_lh_q            <= 32'(sweeps_q[15:0])  * 32'(thin_word_q[31:16]);
    p_hl_q            <= 32'(sweeps_q[31:16]) * 32'(thin_word_q[15:0]);
    p_hh_q            <= 32'(sweeps_q[31:16]) * 32'(thin_word_q[31:16]);
    p_mid_hi_q        <= 18'((34'(p_lh_q) + 34'(p_hl_q) + 34'(p_ll_hi_q)) >> 16);
    hh_nz_q           <= p_hh_q != '0;
    too_many_sweeps_q <= hh_nz_q || p_mid_hi_q != '0;
  end

  // the bits of a clamp mask/value word that name neurons below N
  logic [31:0] word_keep;
  always_comb begin
    for (int unsigned b = 0; b < 32; b++) word_keep[b] = count_q * 32 + b < 32'(n_q);
  end

  // The four neurons of an initial-state word: which are below N, clamped and their
  // clamp value, and the bytes as the core takes them (a clamped neuron's byte is
  // its value).
  logic [3:0]  init_keep, init_cmask, init_cval, init_nz;
  logic [31:0] init_word;
  logic        init_bad;
  logic [KW:0] init_left_q;     // neurons from this initial-state word on: N - 4w
  assign init_cmask = init_cmask_q[3:0];
  assign init_cval  = init_cval_q[3:0];
  always_comb begin
    init_bad = 1'b0;
    for (int unsigned j = 0; j < 4; j++) begin
      init_keep[j] = init_left_q > (KW+1)'(j);
      if (!init_keep[j]) init_word[j * 8 +: 8] = 8'd0;
      else if (init_cmask[j]) init_word[j * 8 +: 8] = {7'd0, init_cval[j]};
      else begin
        init_word[j * 8 +: 8] = word[j * 8 +: 8];
        init_bad = init_bad || word[j * 8 +: 8] > tau_q;
      end
      init_nz[j] = init_word[j * 8 +: 8] != 8'd0;
    end
  end

  // last_q: the word on the bus is the last of its field. It is set a word ahead from
  // the field's last index (`field_last`), so that no count comparison sits in front
  // of the word check and the frame state.
  logic    last_q;
  logic    last_of_field;
  status_e check;
  logic    final_word;
  assign last_of_field = last_q;
  always_comb begin
    check         = STATUS_OK;
    final_word    = 1'b0;
    unique case (field_q)
      F_MAGIC:   if (word != MAGIC_BM) check = STATUS_BAD_MAGIC;
      F_VERSION: if (word != 32'(SPEC_VERSION)) check = STATUS_BAD_VERSION;
      F_OPCODE: begin
        if (word != OP_RUN && word != OP_INFO && word != OP_RUN_SPARSE) check = STATUS_BAD_OPCODE;
        final_word = word == OP_INFO;
      end
      F_N:       if (word == 0 || word > 32'(sparse_q ? SPARSE_N_MAX : N_MAX)) check = STATUS_LIMIT;
      F_C:       if (word == 0 || word > 32'(n_q)) check = STATUS_LIMIT;
      F_ORDER:   if (32'(low) >= 32'(n_q) || seen_q[low[KW-1:0]]) check = STATUS_BAD_MODEL;
      F_CEND:
        if (low <= prev_end_q || 32'(low) > 32'(n_q) || (last_of_field && 32'(low) != 32'(n_q)))
          check = STATUS_BAD_MODEL;
      F_SWEEPS:  if (word == 0) check = STATUS_BAD_PARAMS;
      F_THIN:    if (word == 0 || too_many_sweeps_q) check = STATUS_BAD_PARAMS;
      F_TAU:     if (word == 0 || word > 32'(TAU_MAX)) check = STATUS_BAD_PARAMS;
      F_SEED: begin
        // three words: seed low, seed high, flags
        if (last_of_field) begin
          final_word = !word[1];
          if (word[0] && rec_words_q >= 64'h8000_0000) check = STATUS_BAD_PARAMS;
        end
      end
      F_INIT: begin
        final_word = last_of_field;
        if (init_bad) check = STATUS_BAD_PARAMS;
      end
      default: ;
    endcase
  end

  // The next field after the current one (fields of zero length never occur: N, C >= 1).
  function automatic field_e next_field(input field_e f);
    unique case (f)
      F_MAGIC:   return F_VERSION;
      F_VERSION: return F_OPCODE;
      F_OPCODE:  return F_N;
      F_N:       return F_C;
      F_C:       return F_BIAS;
      F_BIAS:    return F_W;
      F_W:       return F_ORDER;
      F_ORDER:   return F_CEND;
      F_CEND:    return F_CMASK;
      F_CMASK:   return F_CVAL;
      F_CVAL:    return F_SWEEPS;
      F_SWEEPS:  return F_BURN;
      F_BURN:    return F_THIN;
      F_THIN:    return F_TAU;
      F_TAU:     return F_SEED;
      F_SEED:    return F_INIT;
      default:   return F_INIT;
    endcase
  endfunction

  // The index of a field's last word (its length less one), for a field about to
  // start. The weight count w_last_q is ready from two cycles after N: a weight field
  // starts after C and N biases, except for N = 1, whose one weight word is its last.
  function automatic logic [31:0] field_last(input field_e f);
    unique case (f)
      F_BIAS, F_ORDER: return 32'(n_q) - 1;
      F_W:             return n_q == (KW+1)'(1) ? 32'd0 : w_last_q;
      F_CEND:          return 32'(c_q) - 1;
      F_CMASK, F_CVAL: return state_words - 1;
      F_SEED:          return 32'd2;
      F_INIT:          return zeta_words - 1;
      default:         return 32'd0;
    endcase
  endfunction

  // The weight memory takes one weight per cycle: a word is held for a second cycle.
  // The THIN word is held until its check is through.
  assign s_tready_o = (state_q == S_READ && !w_high_q &&
                       (field_q != F_THIN || thin_wait_q == 3'(THIN_WAIT)))
                    || state_q == S_DISCARD;

  // ---------------------------------------------------------------- output words
  logic [3:0]  out_idx_q;
  logic [3:0]  out_len;          // words of the frame this block writes
  logic [31:0] out_word;
  logic [31:0] payload_len;
  assign payload_len = (record_q ? rec_words_q[31:0] : 32'd0) + 32'(2 * n_q) + zeta_words;
  always_comb begin
    // INFO payload (§4.4): version, P, N_MAX, TAU_MAX, SPARSE_N_MAX, D_MAX
    out_len = (status_q != STATUS_OK) ? 4'd3 : (info_q ? 4'd9 : 4'd3);
    unique case (out_idx_q)
      4'd0: out_word = MAGIC_OUT;
      4'd1: out_word = 32'(status_q);
      4'd2: out_word = (status_q != STATUS_OK) ? 32'd0 : (info_q ? 32'd6 : payload_len);
      4'd3: out_word = 32'(SPEC_VERSION);
      4'd4: out_word = 32'(P);
      4'd5: out_word = 32'(N_MAX);
      4'd6: out_word = 32'(TAU_MAX);
      4'd7: out_word = 32'(SPARSE_N_MAX);
      default: out_word = 32'(D_MAX);
    endcase
  end

  // ---------------------------------------------------------------- schedule
  // Built after the frame, one position per cycle in four steps: read order[pos] and
  // whether pos starts a colour; hold them in flip-flops; look up whether that neuron
  // is clamped; write the entry (a free neuron) or carry the colour start over (a
  // clamped one). The LUT-RAM read and the N_MAX-way clamp-bit select would not fit
  // one cycle together, and yosys moves the first register in front of the LUT-RAM
  // (its read port is asynchronous): the second one is the one between them.
  logic [KW:0]   pos_q;
  logic          cs_pending_q;
  logic          sc1_valid_q, sc2_valid_q, sc3_valid_q;   // steps 1 to 3 hold a position
  logic [KW-1:0] sc1_k_q, sc2_k_q, sc3_k_q;               // its neuron
  logic          sc1_cs_q, sc2_cs_q, sc3_cs_q;            // it starts a colour
  logic          sc3_clamped_q;

  // ---------------------------------------------------------------- state machine
  assign ap_idle_o      = state_q == S_IDLE;
  assign ap_ready_o     = state_q == S_IDLE && ap_start_i;
  assign n_o            = n_q;
  assign free_o         = free_q;
  assign tau_o          = tau_q;
  assign seed_o         = seed_q;
  assign sweeps_o       = sweeps_q;
  assign burn_in_o      = burn_q;
  assign thin_o         = thin_q;
  assign record_o       = record_q;
  assign z_init_o       = init_q ? znz_q : cmask_q & cval_q;
  assign init_o         = init_q;
  assign core_owns_out_o = state_q == S_RUN;

  always_ff @(posedge clk_i) begin
    // written whatever the check says, as the other field registers
    if (state_q == S_READ && fire && field_q == F_ORDER)
      order_mem[count_q[KW-1:0]] <= low[KW-1:0];
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q        <= S_IDLE;
      field_q        <= F_MAGIC;
      count_q        <= '0;
      last_q         <= 1'b1;
      init_left_q    <= '0;
      status_q       <= STATUS_OK;
      info_q         <= 1'b0;
      sparse_q       <= 1'b0;
      n_q            <= '0;
      c_q            <= '0;
      free_q         <= '0;
      prev_end_q     <= '0;
      seen_q         <= '0;
      cstart_q       <= '0;
      cmask_q        <= '0;
      cval_q         <= '0;
      sweeps_q       <= '0;
      burn_q         <= '0;
      thin_q         <= '0;
      tau_q          <= '0;
      seed_lo_q      <= '0;
      seed_q         <= '0;
      record_q       <= 1'b0;
      init_q         <= 1'b0;
      znz_q          <= '0;
      init_cmask_q   <= '0;
      init_cval_q    <= '0;
      iw_we_o        <= 1'b0;
      iw_addr_o      <= '0;
      iw_data_o      <= '0;
      w_row_q        <= '0;
      w_col_q        <= '0;
      w_high_q       <= 1'b0;
      w_high_data_q  <= '0;
      out_idx_q      <= '0;
      thin_wait_q    <= '0;
      o_valid_o      <= 1'b0;
      o_data_o       <= '0;
      o_last_o       <= 1'b0;
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
      thin_wait_q    <= (state_q == S_READ && field_q == F_THIN && s_tvalid_i && !fire)
                        ? thin_wait_q + 1 : '0;

      // second half of a weight word
      if (w_high_q) begin
        w_high_q <= 1'b0;
        w_we_o   <= 1'b1;
        w_row_o  <= w_row_q;
        w_col_o  <= w_col_q;
        w_data_o <= w_high_data_q;
        if (32'(w_col_q) == 32'(n_q) - 1) begin
          w_col_q <= '0;
          w_row_q <= w_row_q + 1;
        end else begin
          w_col_q <= w_col_q + 1;
        end
      end

      unique case (state_q)
        S_IDLE: if (ap_start_i) begin
          state_q    <= S_READ;
          field_q    <= F_MAGIC;
          count_q    <= '0;
          last_q     <= 1'b1;
          status_q   <= STATUS_OK;
          info_q     <= 1'b0;
          sparse_q   <= 1'b0;
          prev_end_q <= '0;
          w_row_q    <= '0;
          w_col_q    <= '0;
          record_q   <= 1'b0;
          init_q     <= 1'b0;
          znz_q      <= '0;
          cmask_q    <= '0;
          cval_q     <= '0;
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
            count_q <= last_of_field ? 32'd0 : count_q + 1;
            if (last_of_field) field_q <= next_field(field_q);
            last_q  <= last_of_field ? field_last(next_field(field_q)) == 32'd0
                                     : count_q + 1 == field_last(field_q);
            unique case (field_q)
              F_OPCODE: sparse_q <= word == OP_RUN_SPARSE;
              F_N: n_q <= (KW+1)'(word);
              F_C: c_q <= (KW+1)'(word);
              F_BIAS: begin
                b_we_o   <= 1'b1;
                b_addr_o <= count_q[KW-1:0];
                b_data_o <= low;
                seen_q[count_q[KW-1:0]]   <= 1'b0;
                cstart_q[count_q[KW-1:0]] <= count_q == 0;
              end
              F_W: begin
                // low half now; the high half next cycle unless it is the padding
                w_we_o   <= 1'b1;
                w_row_o  <= w_row_q;
                w_col_o  <= w_col_q;
                w_data_o <= low;
                w_high_data_q <= word[31:16];
                if (32'(w_col_q) == 32'(n_q) - 1) begin
                  w_col_q <= '0;
                  w_row_q <= w_row_q + 1;
                end else begin
                  w_col_q <= w_col_q + 1;
                end
                w_high_q <= !(last_of_field && n_q[0]);
              end
              F_ORDER: seen_q[low[KW-1:0]] <= 1'b1;
              F_CEND: begin
                prev_end_q <= low;
                if (32'(low) < 32'(n_q)) cstart_q[low[KW-1:0]] <= 1'b1;
              end
              // word w holds neurons 32w..32w+31, written whole at a constant offset
              // (a bit index computed from count_q makes yosys build a 32-bit barrel
              // shifter per bit); the bits at N and above stay 0 as cleared at start
              F_CMASK: for (int unsigned w = 0; w < N_MAX / 32; w++)
                if (count_q == w) cmask_q[w * 32 +: 32] <= word & word_keep;
              F_CVAL: for (int unsigned w = 0; w < N_MAX / 32; w++)
                if (count_q == w) cval_q[w * 32 +: 32] <= word & word_keep;
              F_SWEEPS: sweeps_q <= word;
              F_BURN:   burn_q   <= word;
              F_THIN:   thin_q   <= word;
              F_TAU:    tau_q    <= word[7:0];
              F_SEED: begin
                if (count_q == 0) seed_lo_q <= word;
                if (count_q == 1) seed_q    <= {word, seed_lo_q};
                if (last_of_field) begin
                  init_left_q  <= n_q;
                  record_q     <= word[0];
                  init_q       <= word[1];
                  init_cmask_q <= cmask_q;
                  init_cval_q  <= cval_q;
                end
              end
              F_INIT: begin
                iw_we_o   <= 1'b1;
                iw_addr_o <= count_q[KW-1:0];
                iw_data_o <= init_word;
                init_cmask_q <= init_cmask_q >> 4;
                init_cval_q  <= init_cval_q >> 4;
                init_left_q  <= init_left_q - (KW+1)'(4);
                for (int unsigned w = 0; w < N_MAX / 4; w++)
                  if (count_q == w) znz_q[w * 4 +: 4] <= init_nz;
              end
              default: ;
            endcase
          end
          if (check != STATUS_OK || (s_tlast_i && !final_word) || (final_word && !s_tlast_i)) begin
            status_q  <= check != STATUS_OK ? check
                       : (s_tlast_i ? STATUS_SHORT_FRAME : STATUS_LONG_FRAME);
            state_q   <= s_tlast_i ? S_FRAME : S_DISCARD;
            out_idx_q <= '0;
          end else if (field_q == F_OPCODE && final_word) begin
            info_q    <= 1'b1;
            state_q   <= S_FRAME;
            out_idx_q <= '0;
          end else if (last_of_field && ((field_q == F_SEED && !word[1]) || field_q == F_INIT)) begin
            state_q <= S_SCHED;
          end
        end

        S_DISCARD: if (fire && s_tlast_i) state_q <= S_FRAME;

        S_SCHED: begin
          // free neurons in order; a colour start carries over clamped neurons
          sc1_valid_q   <= pos_q != n_q;
          sc1_k_q       <= order_mem[pos_q[KW-1:0]];
          sc1_cs_q      <= cstart_q[pos_q[KW-1:0]];
          sc2_valid_q   <= sc1_valid_q;
          sc2_k_q       <= sc1_k_q;
          sc2_cs_q      <= sc1_cs_q;
          sc3_valid_q   <= sc2_valid_q;
          sc3_k_q       <= sc2_k_q;
          sc3_cs_q      <= sc2_cs_q;
          sc3_clamped_q <= cmask_q[sc2_k_q];
          if (pos_q != n_q) pos_q <= pos_q + 1;
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
          end else if (pos_q == n_q && !sc1_valid_q && !sc2_valid_q) begin
            state_q   <= S_FRAME;
            out_idx_q <= '0;
          end
        end

        S_FRAME: begin
          // the head (RUN) or the whole frame (error, INFO)
          if (!o_valid_o || o_ready_i) begin
            if (o_valid_o && o_last_o) begin
              o_valid_o <= 1'b0;
              o_last_o  <= 1'b0;
              state_q        <= S_IDLE;
              ap_done_o      <= 1'b1;
              status_o       <= status_q;
              status_valid_o <= 1'b1;
            end else if (32'(out_idx_q) < 32'(out_len)) begin
              o_valid_o <= 1'b1;
              o_data_o  <= out_word;
              o_last_o  <= (status_q != STATUS_OK || info_q) && out_idx_q == out_len - 1;
              out_idx_q <= out_idx_q + 1;
            end else begin
              // RUN: the head is out, the core writes the payload
              o_valid_o    <= 1'b0;
              state_q      <= S_RUN;
              core_start_o <= 1'b1;
            end
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
