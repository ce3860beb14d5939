// The word checks of a bm_sampler input frame (spec §4.1, §4.3, §4.3.1, §4.5), shared
// by bm_frontend (SPARSE = 0: the RUN layout) and bm_sparse_frontend (SPARSE = 1:
// RUN_SPARSE). It steps through the fields as words are accepted, keeps the run
// parameters and the frame's sizes, and judges each word on the bus, its value before
// its TLAST: `check_o` is a bad value's status, else SHORT_FRAME for TLAST on a word
// before the last, LONG_FRAME for no TLAST on the last (`final_o`). The front end
// decides what a status does to the frame and stores the model words.
//
// A build answers the other layout's run frame LIMIT at its N word (spec §4.3.1).
module bm_frame_check #(
  parameter bit          SPARSE  = 1'b0,
  parameter int unsigned N_MAX   = 256,
  parameter int unsigned D_MAX   = 0,      // RUN_SPARSE only
  parameter int unsigned TAU_MAX = 255
) (
  input  logic                     clk_i,
  input  logic                     rst_ni,
  input  logic                     start_i,       // a frame starts: back to its first field
  input  logic                     read_i,        // the front end reads the frame
  input  logic [31:0]              word_i,
  input  logic                     valid_i,
  input  logic                     ready_i,
  input  logic                     tlast_i,
  output logic                     hold_o,        // keep the word on the bus (THIN check)
  // the word on the bus
  output bm_frame_pkg::field_e     field_o,
  output logic [31:0]              count_o,       // its index in its field
  output logic                     last_o,        // the last of its field
  output npq_pkg::status_e         check_o,
  output logic                     bad_o,         // check_o != STATUS_OK
  output logic                     final_o,       // the frame's last word
  // an INIT word: which of its four neurons are below N, which are clamped
  output logic [3:0]               init_keep_o,
  input  logic [3:0]               init_clamped_i,
  // a CMASK/CVAL word: the bits that name neurons below N
  output logic [31:0]              clamp_keep_o,
  // the frame's parameters, as far as read
  output logic [$clog2(N_MAX):0]   n_o,
  output logic [$clog2(N_MAX):0]   c_o,
  output logic [$clog2(D_MAX):0]   d_o,
  output logic [7:0]               tau_o,
  output logic [63:0]              seed_o,
  output logic [31:0]              sweeps_o,
  output logic [31:0]              burn_in_o,
  output logic [31:0]              thin_o,
  output logic                     record_o,
  output logic                     init_o,
  output logic [31:0]              payload_len_o  // of the output frame of a RUN
);
  import npq_pkg::*;
  import bm_frame_pkg::*;

  localparam int unsigned KW = $clog2(N_MAX);
  localparam int unsigned DW = $clog2(D_MAX);

  field_e      field_q;
  localparam int unsigned NF = int'(F_INIT) + 1;   // fields
  /* verilator lint_off UNUSEDSIGNAL */       // fields whose bit nothing reads: BIAS, W, CMASK, CVAL
  logic [NF-1:0] fh_q;           // field_q one-hot (the word checks, below)
  /* verilator lint_on UNUSEDSIGNAL */
  logic [31:0] count_q;
  logic        last_q;
  logic        other_q;          // the opcode is the other layout's run
  logic [15:0] prev_end_q;
  logic [N_MAX-1:0] seen_q;
  logic        order_field_q;    // field_q == F_ORDER, a register of its own (hold_o)
  logic        dup_q;            // an accepted ORDER word repeated an earlier one
  logic [15:0] order_last_q;     // the value the field's last ORDER word must have
  logic [31:0] seed_lo_q;
  logic [KW:0] init_left_q;      // neurons from this initial-state word on: N - 4w
  logic [3:0]  init_keep_q;      // init_left_q > j, set with it (no compare in the verdict)
  logic [31:0] state_words, zeta_words;
  assign state_words = (32'(n_o) + 32'd31) >> 5;
  assign zeta_words  = (32'(n_o) + 32'd3) >> 2;

  logic [31:0] word;
  logic [15:0] low;
  logic        accept;
  assign word   = word_i;
  assign low    = word_i[15:0];
  assign accept = read_i && valid_i && ready_i;

  // ---------------------------------------------------------------- ORDER: a permutation
  // An ORDER word's "seen before" is an N_MAX:1 select of seen_q; looked up on the bus
  // word in front of the check it was the proxy's worst path of the sparse build. So
  // each word is looked up a cycle after it is on the bus (from a register, ord_low_q)
  // and the answer registered: an accepted word's repeat (dup_q) is judged two words
  // later, with the same status, BAD_MODEL, as any error in between (ORDER and CEND
  // words fail only with BAD_MODEL). Three cases would otherwise end the frame before
  // the answer, and are judged at once:
  //   * the field's last word: it must be the one value not yet seen: after words
  //     0..w, order_last_q = (0 + 1 + .. + w + 1) - (their sum), mod 2^16 (exact
  //     whenever they are distinct; when not, dup_q flags the frame at the next word);
  //   * a word with TLAST in the field: held on the bus two cycles (hold_o; only in a
  //     frame that is short anyway), until its own lookup (own_hit_q) and those of the
  //     words before it are in;
  //   * the first CEND word: the last ORDER word's own repeat is the first case, the
  //     word before it is resolved by then.
  // The lookup itself is split at a register too (an N_MAX:1 select behind ord_low_q
  // was 10.3 ns at the sparse build's U = 8 proxy): the bus word's group of 32 bits
  // is taken from seen_q while the word is on the bus (grp_q), its bit from the group
  // a cycle later; the one bit set in between (the word before's, by ord_acc_q) is
  // added by a compare of the two words (byp_q). So seen_hit is still seen_q's bit of
  // ord_low_q as it is now.
  logic [KW-1:0] ord_low_q;      // the bus word of the cycle before, looked up now
  logic          ord_acc_q;      // ... accepted as an ORDER word
  logic          own_hit_q;      // the lookup's answer, a cycle later
  logic          ord_tl, ord_wait_q, ord_done_q, ord_done_d;
  logic          order_field_d;  // order_field_q's next value
  logic          ord_arm_q;      // an ORDER word with TLAST is held: order_field && !ord_done
  logic          seen_hit;
  localparam int unsigned LB = KW < 5 ? KW : 5;   // bits of a group's index
  logic [2**LB-1:0] grp_q;       // seen_q's group of the bus word of the cycle before
  logic             byp_q;       // that word's bit is the one ord_acc_q set since
  assign seen_hit   = grp_q[ord_low_q[LB-1:0]] || byp_q;
  assign ord_tl     = read_i && order_field_q && valid_i && tlast_i && !accept;
  assign ord_done_d = ord_tl && ord_wait_q;
  always_ff @(posedge clk_i) begin
    ord_low_q  <= low[KW-1:0];
    own_hit_q  <= seen_hit;
    ord_wait_q <= ord_tl;
    ord_done_q <= ord_done_d;
  end

  // ---------------------------------------------------------------- frame arithmetic
  // Products of the frame's sizes, registered so that no multiplier sits in front of
  // the word checks (they are off the sampling path; docs/rtl.md, timing).
  //   mid_last_q: index of the last word of W, (N^2 + 1) / 2 - 1, or of LIST, N·D - 1.
  //     N is written at F_N and W's length first needed with the last bias word,
  //     three words later at the earliest (F_C, two biases; N = 1 does without it);
  //     LIST follows N and D by N order and C colour-end words: the two stages are
  //     ready by then.
  //   rec_words_q: sweeps * state words, the recorded payload. SWEEPS comes six
  //     words before the flags word that checks it (its value is written a cycle
  //     after its word, then the two half products, their sum and rec_big_q's
  //     compare: ready the cycle the flags word can come, at the earliest).
  logic [31:0] mid_last_q;
  logic [63:0] rec_words_q;
  logic        rec_big_q;        // rec_words_q >= 2^31: too long a frame to RECORD
  logic [KW-4:0] sw_q;           // state words, registered in front of the product
  logic [KW+12:0] rw_lo_q, rw_hi_q;  // sweeps' low and high 16 bits times sw_q
  if (SPARSE) begin : g_list_size
    logic [31:0] nd_q;
    always_ff @(posedge clk_i) begin
      nd_q       <= 32'(n_o) * 32'(d_o);
      mid_last_q <= nd_q - 32'd1;
    end
  end else begin : g_weight_size
    logic [2*KW+1:0] nn_q;
    always_ff @(posedge clk_i) begin
      nn_q       <= (2*KW+2)'(n_o) * (2*KW+2)'(n_o);
      mid_last_q <= ((32'(nn_q) + 32'd1) >> 1) - 32'd1;
    end
  end
  always_ff @(posedge clk_i) begin
    sw_q        <= state_words[KW-4:0];
    // two 16-bit half products, then their sum: the 32-bit product and its carry chain
    // in one cycle were 10.7 ns routed (the sparse build, 2026-12-03)
    rw_lo_q     <= (KW+13)'(sweeps_o[15:0]) * (KW+13)'(sw_q);
    rw_hi_q     <= (KW+13)'(sweeps_o[31:16]) * (KW+13)'(sw_q);
    rec_words_q <= 64'(rw_lo_q) + (64'(rw_hi_q) << 16);
    // registered: the 64-bit compare was in front of the flags word's verdict (the
    // front end's state, 10.4 ns routed in the field build)
    rec_big_q   <= rec_words_q >= 64'h8000_0000;
  end
  assign payload_len_o = (record_o ? rec_words_q[31:0] : 32'd0) + 32'(2 * n_o) + zeta_words;

  // sweeps * thin < 2^32 (spec §3.4): spike counts are one 32-bit word each. The THIN
  // word waits on the bus (hold_o) for THIN_WAIT cycles while a pipelined multiply
  // checks it: the word; its 16 x 16 partial products; their sum; the test. With
  // S * T = hh 2^32 + (hl + lh) 2^16 + ll and ll < 2^32:
  //   S * T >= 2^32  iff  hh != 0  or  hl + lh + (ll >> 16) >= 2^16
  localparam int unsigned THIN_WAIT = 4;
  logic [2:0]  thin_wait_q;     // cycles the THIN word has been on the bus
  // field_q == F_THIN and thin_wait_q == THIN_WAIT kept as registers of their own: the
  // hold gates s_tready, whose accept enable fans out to every register of the front
  // end, so it must be one LUT of registers (the timing proxy's worst bm path otherwise).
  logic        thin_field_q, thin_done_q;
  logic [31:0] thin_word_q;
  logic [31:0] p_lh_q, p_hl_q, p_hh_q;
  logic [15:0] p_ll_hi_q;
  logic [17:0] p_mid_hi_q;
  logic        hh_nz_q, too_many_sweeps_q;
  always_ff @(posedge clk_i) begin
    thin_word_q       <= word;
    p_ll_hi_q         <= 16'((32'(sweeps_o[15:0]) * 32'(thin_word_q[15:0])) >> 16);
    p_lh_q            <= 32'(sweeps_o[15:0])  * 32'(thin_word_q[31:16]);
    p_hl_q            <= 32'(sweeps_o[31:16]) * 32'(thin_word_q[15:0]);
    p_hh_q            <= 32'(sweeps_o[31:16]) * 32'(thin_word_q[31:16]);
    p_mid_hi_q        <= 18'((34'(p_lh_q) + 34'(p_hl_q) + 34'(p_ll_hi_q)) >> 16);
    hh_nz_q           <= p_hh_q != '0;
    too_many_sweeps_q <= hh_nz_q || p_mid_hi_q != '0;
  end
  // ord_arm_q is one register, so that s_tready stays a LUT of registers and TLAST
  assign hold_o = (thin_field_q && !thin_done_q) || (ord_arm_q && tlast_i);

  always_comb begin
    for (int unsigned b = 0; b < 32; b++) clamp_keep_o[b] = count_q * 32 + b < 32'(n_o);
  end

  // INIT word w: neurons 4w..4w+3; a byte above τ is BAD_PARAMS for a free neuron below N
  logic init_bad;
  always_comb begin
    init_bad = 1'b0;
    for (int unsigned j = 0; j < 4; j++) begin
      init_keep_o[j] = init_keep_q[j];
      if (init_keep_o[j] && !init_clamped_i[j] && word[j * 8 +: 8] > tau_o) init_bad = 1'b1;
    end
  end

  // ---------------------------------------------------------------- word checks
  // The verdict is an OR of per-field terms, each gated by its field's bit of the
  // one-hot fh_q (one field's term is live at a time, and each field fails with one
  // status), not a select by field_q: the select's levels came on top of the INIT
  // word's byte compares in front of the front end's state (11.2 ns on the proxy).
  status_e    value;             // the word's value alone
  logic [3:0] v;
  always_comb begin
    v = '0;
    if (fh_q[F_MAGIC] && word != MAGIC_BM) v = v | 4'(STATUS_BAD_MAGIC);
    if (fh_q[F_VERSION] && word != 32'(SPEC_VERSION)) v = v | 4'(STATUS_BAD_VERSION);
    if (fh_q[F_OPCODE] && word != OP_RUN && word != OP_INFO && word != OP_RUN_SPARSE)
      v = v | 4'(STATUS_BAD_OPCODE);
    if (fh_q[F_N] && (other_q || word == 0 || word > 32'(N_MAX))) v = v | 4'(STATUS_LIMIT);
    if (fh_q[F_C] && (word == 0 || word > 32'(n_o))) v = v | 4'(STATUS_LIMIT);
    if (fh_q[F_D] && (word == 0 || word > 32'(D_MAX))) v = v | 4'(STATUS_LIMIT);
    if (fh_q[F_ORDER] && (32'(low) >= 32'(n_o) || (last_q && low != order_last_q)
                          || (ord_done_q && own_hit_q)))
      v = v | 4'(STATUS_BAD_MODEL);
    if (fh_q[F_CEND] && (low <= prev_end_q || 32'(low) > 32'(n_o)
                         || (last_q && 32'(low) != 32'(n_o))))
      v = v | 4'(STATUS_BAD_MODEL);
    if (fh_q[F_LIST] && 32'(low) >= 32'(n_o)) v = v | 4'(STATUS_BAD_MODEL);
    if (fh_q[F_SWEEPS] && word == 0) v = v | 4'(STATUS_BAD_PARAMS);
    if (fh_q[F_THIN] && (word == 0 || too_many_sweeps_q)) v = v | 4'(STATUS_BAD_PARAMS);
    if (fh_q[F_TAU] && (word == 0 || word > 32'(TAU_MAX))) v = v | 4'(STATUS_BAD_PARAMS);
    // SEED: three words, seed low, seed high, flags
    if (fh_q[F_SEED] && last_q && word[0] && rec_big_q)
      v = v | 4'(STATUS_BAD_PARAMS);
    if (fh_q[F_INIT] && init_bad) v = v | 4'(STATUS_BAD_PARAMS);
    // an earlier ORDER word's repeat comes first
    value = dup_q ? STATUS_BAD_MODEL : status_e'(v);
  end
  assign final_o = (fh_q[F_OPCODE] && word == OP_INFO) || (fh_q[F_SEED] && last_q && !word[1])
                   || (fh_q[F_INIT] && last_q);
  // The front end's state takes bad_o, worked out here from the terms (a status
  // compared in the front end is a module boundary more: the sparse overlay is
  // synthesised module by module, and the INIT byte compares → verdict → state path
  // was its slowest, 10.3 ns on the proxy at U = 8)
  assign bad_o   = dup_q || v != '0 || tlast_i != final_o;
  assign check_o = value != STATUS_OK  ? value
                 : tlast_i && !final_o ? STATUS_SHORT_FRAME
                 : !tlast_i && final_o ? STATUS_LONG_FRAME
                 :                       STATUS_OK;

  // ---------------------------------------------------------------- field sequence
  // The next field after the current one (fields of zero length never occur: N, C,
  // D >= 1).
  function automatic field_e next_field(input field_e f);
    unique case (f)
      F_MAGIC:   return F_VERSION;
      F_VERSION: return F_OPCODE;
      F_OPCODE:  return F_N;
      F_N:       return F_C;
      F_C:       return SPARSE ? F_D : F_BIAS;
      F_D:       return F_ORDER;
      F_BIAS:    return SPARSE ? F_LIST : F_W;
      F_W:       return F_ORDER;
      F_ORDER:   return F_CEND;
      F_CEND:    return SPARSE ? F_BIAS : F_CMASK;
      F_LIST:    return F_CMASK;
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

  always_comb begin
    order_field_d = order_field_q;
    if (start_i) order_field_d = 1'b0;
    else if (accept && last_q) order_field_d = next_field(field_q) == F_ORDER;
  end

  // The index of a field's last word (its length less one), for a field about to
  // start. W's length is ready from two cycles after N: W starts after C and N biases,
  // except for N = 1, whose one weight word is its last.
  logic [31:0] mid_last;
  assign mid_last = (!SPARSE && n_o == (KW+1)'(1)) ? 32'd0 : mid_last_q;
  function automatic logic [31:0] field_last(input field_e f);
    unique case (f)
      F_BIAS, F_ORDER: return 32'(n_o) - 1;
      F_W, F_LIST:     return mid_last;
      F_CEND:          return 32'(c_o) - 1;
      F_CMASK, F_CVAL: return state_words - 1;
      F_SEED:          return 32'd2;
      F_INIT:          return zeta_words - 1;
      default:         return 32'd0;
    endcase
  endfunction

  assign field_o = field_q;
  assign count_o = count_q;
  assign last_o  = last_q;

  // A word's registers are written whatever its check says (a bad frame is discarded,
  // and the next one starts from the start values): only the front end's state and
  // status wait for the check, which keeps its fan-out small. last_q is set a word
  // ahead from the field's last index, so that no count comparison sits in front of
  // the word check.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      field_q     <= F_MAGIC;
      fh_q        <= NF'(1) << F_MAGIC;
      thin_field_q <= 1'b0;
      count_q     <= '0;
      last_q      <= 1'b1;
      other_q     <= 1'b0;
      prev_end_q  <= '0;
      seen_q      <= '0;
      grp_q       <= '0;
      byp_q       <= 1'b0;
      order_field_q <= 1'b0;
      ord_arm_q   <= 1'b0;
      dup_q       <= 1'b0;
      ord_acc_q   <= 1'b0;
      order_last_q <= '0;
      record_o    <= 1'b0;
      init_o      <= 1'b0;
      init_left_q <= '0;
      init_keep_q <= '0;
      thin_wait_q <= '0;
      thin_done_q <= 1'b0;
    end else begin
      thin_wait_q <= (read_i && field_q == F_THIN && valid_i && !ready_i) ? thin_wait_q + 1 : '0;
      thin_done_q <= read_i && field_q == F_THIN && valid_i && !ready_i
                     && thin_wait_q == 3'(THIN_WAIT - 1);
      // the lookup of the word accepted a cycle ago: its bit is set as it is looked up,
      // so a word sees every earlier word's bit and not its own
      ord_acc_q <= accept && order_field_q && !start_i;
      order_field_q <= order_field_d;
      ord_arm_q     <= order_field_d && !ord_done_d;
      if (ord_acc_q) begin
        seen_q[ord_low_q] <= 1'b1;
        if (seen_hit) dup_q <= 1'b1;
      end
      byp_q <= ord_acc_q && ord_low_q == low[KW-1:0] && !start_i;
      if (KW > LB) grp_q <= start_i ? '0 : seen_q[low[KW-1:0] & ~KW'(2**LB - 1) +: 2**LB];
      else         grp_q <= start_i ? '0 : (2**LB)'(seen_q);
      if (start_i) begin
        field_q    <= F_MAGIC;
        fh_q       <= NF'(1) << F_MAGIC;
        thin_field_q <= 1'b0;
        count_q    <= '0;
        last_q     <= 1'b1;
        other_q    <= 1'b0;
        prev_end_q <= '0;
        seen_q     <= '0;
        dup_q      <= 1'b0;
        order_last_q <= '0;
        record_o   <= 1'b0;
        init_o     <= 1'b0;
      end else if (accept) begin
        count_q <= last_q ? 32'd0 : count_q + 1;
        if (last_q) begin
          field_q      <= next_field(field_q);
          fh_q         <= NF'(1) << next_field(field_q);
          thin_field_q <= next_field(field_q) == F_THIN;
        end
        last_q  <= last_q ? field_last(next_field(field_q)) == 32'd0
                          : count_q + 1 == field_last(field_q);
        unique case (field_q)
          F_OPCODE: other_q <= word == (SPARSE ? OP_RUN : OP_RUN_SPARSE);
          F_ORDER:  order_last_q <= order_last_q + 16'(count_q + 1) - low;
          F_CEND:   prev_end_q <= low;
          F_SEED: begin
            if (last_q) begin
              init_left_q <= n_o;
              for (int unsigned j = 0; j < 4; j++) init_keep_q[j] <= n_o > (KW+1)'(j);
              record_o    <= word[0];       // flags bit 0
              init_o      <= word[1];       // flags bit 1; the other flag bits are ignored
            end
          end
          F_INIT: begin
            init_left_q <= init_left_q - (KW+1)'(4);
            for (int unsigned j = 0; j < 4; j++)
              init_keep_q[j] <= init_left_q - (KW+1)'(4) > (KW+1)'(j);
          end
          default: ;
        endcase
      end
    end
  end

  // The run's values, written by their words only: a word is accepted only while the
  // front end reads (read_i), never in the cycle it starts (start_i), so these need
  // no start priority; with it, the control block's start went through the front
  // end's state decode into 32-bit enables (10.6 ns on the proxy at U = 8).
  // N and D are written as their word is accepted (the next words' checks and the
  // frame's sizes take them at once). The others are written a cycle later, from the
  // word and a flag registered (no word reads them sooner: C sets the colour-end
  // field's length two words later at the earliest, SWEEPS enters the THIN check's
  // products once the THIN word is held, TAU the INIT words' checks four words later),
  // so the stream's accept is not in the enables of their 200 bits: it was the
  // slowest path of the sparse build (`seed_lo_q`, 11.45 ns routed) and of the field
  // build's front end.
  logic [31:0] vword_q;
  logic        wc_q, wsweeps_q, wburn_q, wthin_q, wtau_q, wseed0_q, wseed1_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      n_o       <= '0;
      d_o       <= '0;
    end else if (accept) begin
      if (fh_q[F_N]) n_o <= (KW+1)'(word);
      if (fh_q[F_D]) d_o <= (DW+1)'(word);
    end
  end
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      vword_q   <= '0;
      wc_q      <= 1'b0;
      wsweeps_q <= 1'b0;
      wburn_q   <= 1'b0;
      wthin_q   <= 1'b0;
      wtau_q    <= 1'b0;
      wseed0_q  <= 1'b0;
      wseed1_q  <= 1'b0;
      c_o       <= '0;
      sweeps_o  <= '0;
      burn_in_o <= '0;
      thin_o    <= '0;
      tau_o     <= '0;
      seed_lo_q <= '0;
      seed_o    <= '0;
    end else begin
      vword_q   <= word;
      wc_q      <= accept && fh_q[F_C];
      wsweeps_q <= accept && fh_q[F_SWEEPS];
      wburn_q   <= accept && fh_q[F_BURN];
      wthin_q   <= accept && fh_q[F_THIN];
      wtau_q    <= accept && fh_q[F_TAU];
      wseed0_q  <= accept && fh_q[F_SEED] && count_q == 0;
      wseed1_q  <= accept && fh_q[F_SEED] && count_q == 1;
      if (wc_q)      c_o       <= (KW+1)'(vword_q);
      if (wsweeps_q) sweeps_o  <= vword_q;
      if (wburn_q)   burn_in_o <= vword_q;
      if (wthin_q)   thin_o    <= vword_q;
      if (wtau_q)    tau_o     <= vword_q[7:0];
      if (wseed0_q)  seed_lo_q <= vword_q;
      if (wseed1_q)  seed_o    <= {vword_q, seed_lo_q};
    end
  end
endmodule
