// Input-frame reader of bn_sampler (docs/spec.md §4.1, §4.2, §4.5).
//
// Reads one frame from the AXI4-Stream slave after start_i, validating in frame
// order like the reference (neuropynq.reference.bn_sampler.run_frame): each
// word's content is checked when it is read, then its TLAST (SHORT_FRAME if the
// frame should go on, LONG_FRAME if it should end). A descriptor (spec v2: word 0
// card | n_parents, word 1 evidence | state, word 2 base, one word per parent) has
// its table-slice check on its last word. On the first failure the rest of the frame up to
// TLAST is discarded and done_o reports the status.
//
// Per descriptor it computes the table-address strides (docs: bn_base_pkg::var_desc_t)
// over 2 n_parents + 2 cycles with the stream held off (one to read the first
// parent's cardinality, two per parent, one for the registered slice check), then
// writes the descriptor. The window word's S * T < 2^48 check likewise takes 4 cycles with the
// stream held off: the frame checks are off the sampling path, so their arithmetic
// gets registers between its steps instead of deciding within the cycle.
module bn_loader
  import bn_base_pkg::*;
#(
  parameter int unsigned V_MAX       = 128,
  parameter int unsigned CARD_MAX    = 16,
  parameter int unsigned PARENTS_MAX = 8,
  parameter int unsigned TABLE_MAX   = 32768,
  parameter int unsigned T_MAX       = 1 << 20
) (
  input  logic                 clk_i,
  input  logic                 rst_ni,
  input  logic                 start_i,
  input  logic [31:0]          s_axis_tdata_i,
  input  logic                 s_axis_tvalid_i,
  output logic                 s_axis_tready_o,
  input  logic                 s_axis_tlast_i,
  // result of the frame, valid with done_o (one-cycle pulse)
  output logic                 done_o,
  output npq_pkg::status_e     status_o,
  output logic                 info_o,        // an INFO frame (status OK)
  // model
  output logic [VW:0]          n_vars_o,
  output logic [11:0]          sum_card_o,    // Σ card, for the payload length
  output logic                 desc_we_o,
  output logic [VW-1:0]        desc_idx_o,
  output var_desc_t            desc_o,
  output logic [TAW:0]         desc_size_o,      // table words of the variable
  input  logic [VW-1:0]        card_raddr_i,
  output logic [4:0]           card_rdata_o,
  output logic                 tbl_we_o,
  output logic [TAW-1:0]       tbl_waddr_o,
  output logic [16:0]          tbl_wdata_o,
  // run parameters
  output logic [31:0]          samples_o,
  output logic [NW-1:0]        window_o,
  output logic [63:0]          seed_o,
  output logic [15:0]          rmax_o
);
  import npq_pkg::*;

  typedef enum logic [4:0] {
    S_IDLE, S_MAGIC, S_VERSION, S_OPCODE, S_NVARS, S_TW, S_D0, S_D1, S_D2, S_DP, S_STRIDE,
    S_DESC, S_TABLE, S_SAMPLES, S_WINDOW, S_WCHECK, S_SEED_LO, S_SEED_HI, S_RMAX,
    S_RESERVED, S_DISCARD, S_DONE
  } state_e;

  localparam logic [TAW+1:0] SIZE_SAT = '1;   // saturated slice size: certainly beyond TW

  state_e           state_q;
  status_e          status_q;
  logic             info_q;
  logic [VW:0]      n_vars_q;
  logic [TAW:0]     tw_q;
  logic [VW-1:0]    var_q;          // descriptor being read
  logic [TAW:0]     tbl_idx_q;
  logic [4:0]       card_q;
  logic [3:0]       n_par_q;
  logic             ev_q;
  logic [KW-1:0]    estate_q;
  logic [TAW-1:0]   base_q;
  logic             base_big_q;     // base >= 2^TAW: beyond any TW of the build
  logic [3:0]       pj_q;           // parent word being read
  logic [PMAX-1:0][7:0] parent_q;
  logic [PMAX-1:0][TAW-1:0] stride_q;
  logic [TAW+1:0]   size_q;         // words so far: (card-1 or 1) * Π card[parent], saturating
  logic [3:0]       stride_j_q;     // parents left to fold in
  logic             fold_primed_q;  // fold_card_q holds the card of parent stride_j_q - 1
  logic [4:0]       fold_card_q;
  logic             slice_bad_q;
  logic             d3_last_q;      // the descriptor's last word carried TLAST
  logic             wlast_q;        // the window word carried TLAST
  logic [1:0]       wcheck_q;       // cycles of the window check so far
  logic [31:0]      st_hl_q, st_ll_q;   // S * T from 16-bit digits of S and T
  logic [20:0]      st_hh_q, st_lh_q;
  logic [32:0]      st_mid_q;
  logic [20:0]      st_top_q;
  logic [31:0]      st_low_q;
  logic             st_over_q;      // S * T >= 2^48
  logic [11:0]      sum_card_q;
  localparam int unsigned VIW = (V_MAX > 1) ? $clog2(V_MAX) : 1;   // index bits the build needs
  logic [4:0]       card_mem [2**VIW];

  logic       fire, bad, final_word;
  logic [31:0] w;
  assign w    = s_axis_tdata_i;
  assign fire = s_axis_tvalid_i && s_axis_tready_o;

  always_comb begin
    unique case (state_q)
      S_IDLE, S_STRIDE, S_DESC, S_WCHECK, S_DONE: s_axis_tready_o = 1'b0;
      default:                                    s_axis_tready_o = 1'b1;
    endcase
  end

  // Content checks of the word in the current state (spec §4.5).
  logic [15:0] w_card;
  logic [15:0] w_npar;
  logic        w_ev;
  logic [15:0] w_estate;
  logic        parents_bad;

  assign w_card     = w[15:0];
  assign w_npar     = w[31:16];
  assign w_ev       = w[31];
  assign w_estate   = w[15:0];
  // Variable indices above the build's V_MAX do not occur.
  logic unused_ok;
  assign unused_ok = ^card_raddr_i;

  // S * T (samples_o and window_o are registers by S_WCHECK): the products of
  // 16-bit digits (T < 2^21: its high digit has 5 bits), the middle weight's sum,
  // then the total's bits from 48 up, a register after each step.
  always_ff @(posedge clk_i) begin
    st_hh_q   <= samples_o[31:16] * window_o[20:16];
    st_hl_q   <= samples_o[31:16] * window_o[15:0];
    st_lh_q   <= samples_o[15:0]  * window_o[20:16];
    st_ll_q   <= samples_o[15:0]  * window_o[15:0];
    st_mid_q  <= 33'(st_hl_q) + 33'(st_lh_q);
    st_top_q  <= st_hh_q;
    st_low_q  <= st_ll_q;
    st_over_q <= {st_top_q, 32'd0} + {4'd0, st_mid_q, 16'd0} + 53'(st_low_q) >= 53'(1) << 48;
  end

  assign parents_bad = w >= 32'(var_q);
  // The descriptor's last word: its base without parents, else its last parent.
  logic desc_last;
  assign desc_last = (state_q == S_D2 && n_par_q == 0) || (state_q == S_DP && pj_q + 4'd1 == n_par_q);

  always_comb begin
    bad        = 1'b0;
    final_word = 1'b0;
    unique case (state_q)
      S_MAGIC:    bad = w != MAGIC_BN;
      S_VERSION:  bad = w != 32'(SPEC_VERSION);
      S_OPCODE:   begin
        bad        = w != OP_RUN && w != OP_INFO;
        final_word = w == OP_INFO;
      end
      S_NVARS:    bad = w == 0 || w > V_MAX;
      S_TW:       bad = w == 0 || w > TABLE_MAX;
      S_D0:       bad = w_card == 0 || 32'(w_card) > CARD_MAX || 32'(w_npar) > PARENTS_MAX;
      S_D1:       bad = w_ev && w_estate >= 16'(card_q);
      S_DP:       bad = parents_bad;
      S_SAMPLES:  bad = w == 0;
      S_WINDOW:   bad = w == 0 || w > T_MAX;   // and S * T < 2^48, in S_WCHECK
      S_RMAX:     bad = w == 0 || w > 32'hFFFF;
      S_RESERVED: final_word = 1'b1;
      default:    ;
    endcase
  end

  function automatic status_e bad_status(state_e s);
    unique case (s)
      S_MAGIC:                                  return STATUS_BAD_MAGIC;
      S_VERSION:                                return STATUS_BAD_VERSION;
      S_OPCODE:                                 return STATUS_BAD_OPCODE;
      S_NVARS, S_TW:                            return STATUS_LIMIT;
      S_D0, S_D1, S_DP:                         return STATUS_BAD_MODEL;
      default:                                  return STATUS_BAD_PARAMS;
    endcase
  endfunction

  // Next state after a word that passed its content check.
  function automatic state_e next_state(state_e s, logic is_info, logic last_table, logic last_desc);
    unique case (s)
      S_MAGIC:    return S_VERSION;
      S_VERSION:  return S_OPCODE;
      S_OPCODE:   return is_info ? S_DONE : S_NVARS;
      S_NVARS:    return S_TW;
      S_TW:       return S_D0;
      S_D0:       return S_D1;
      S_D1:       return S_D2;
      S_D2, S_DP: return last_desc ? S_STRIDE : S_DP;
      S_TABLE:    return last_table ? S_SAMPLES : S_TABLE;
      S_SAMPLES:  return S_WINDOW;
      S_WINDOW:   return S_WCHECK;
      S_SEED_LO:  return S_SEED_HI;
      S_SEED_HI:  return S_RMAX;
      S_RMAX:     return S_RESERVED;
      default:    return S_DONE;
    endcase
  endfunction

  // Folding parent j = stride_j_q - 1 takes two cycles: the product of the size so
  // far and its cardinality (read the cycle before: the first in the priming cycle,
  // each next one while the previous folds) is registered, then saturated and
  // committed (`folding`).
  logic [TAW+1:0] size_next;
  logic [TAW+6:0] fold_prod_q;
  logic           fold_half_q;    // the product of this parent is in fold_prod_q
  logic [2:0]     fold_j, fetch_j;
  logic           folding;
  assign folding   = state_q == S_STRIDE && fold_primed_q && stride_j_q != 0 && fold_half_q;
  assign fold_j    = 3'(stride_j_q - 4'd1);
  assign fetch_j   = 3'(stride_j_q - (folding ? 4'd2 : 4'd1));
  assign size_next = (fold_prod_q > (TAW+7)'(SIZE_SAT)) ? SIZE_SAT : fold_prod_q[TAW+1:0];

  // The first failure of the frame: its status, and whether TLAST has been seen
  // (else the rest of the frame is discarded).
  logic    fail;
  status_e fail_status;
  logic    fail_had_last;

  always_comb begin
    fail          = 1'b0;
    fail_status   = STATUS_OK;
    fail_had_last = s_axis_tlast_i;
    if (state_q == S_DESC) begin            // the checks of the descriptor's last word, delayed
      fail_had_last = d3_last_q;
      if (slice_bad_q) begin
        fail        = 1'b1;
        fail_status = STATUS_BAD_MODEL;
      end else if (d3_last_q) begin
        fail        = 1'b1;
        fail_status = STATUS_SHORT_FRAME;
      end
    end else if (state_q == S_WCHECK && wcheck_q == 2'd3) begin   // the window word's
      fail_had_last = wlast_q;
      if (st_over_q) begin
        fail        = 1'b1;
        fail_status = STATUS_BAD_PARAMS;
      end else if (wlast_q) begin
        fail        = 1'b1;
        fail_status = STATUS_SHORT_FRAME;
      end
    end else if (fire && state_q != S_DISCARD) begin
      if (bad) begin
        fail        = 1'b1;
        fail_status = bad_status(state_q);
      end else if (s_axis_tlast_i && !final_word && !desc_last && state_q != S_WINDOW) begin
        fail        = 1'b1;
        fail_status = STATUS_SHORT_FRAME;
      end else if (final_word && !s_axis_tlast_i) begin
        fail        = 1'b1;
        fail_status = STATUS_LONG_FRAME;
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q    <= S_IDLE;
      status_q   <= STATUS_OK;
      info_q     <= 1'b0;
      var_q      <= '0;
      tbl_idx_q  <= '0;
      sum_card_q <= '0;
      stride_j_q <= '0;
      d3_last_q  <= 1'b0;
      wlast_q    <= 1'b0;
      wcheck_q   <= '0;
      fold_primed_q <= 1'b0;
      fold_half_q   <= 1'b0;
    end else begin
      if (fail) begin
        status_q <= fail_status;
        state_q  <= fail_had_last ? S_DONE : S_DISCARD;
      end else unique case (state_q)
        S_IDLE: if (start_i) begin
          state_q    <= S_MAGIC;
          status_q   <= STATUS_OK;
          info_q     <= 1'b0;
          var_q      <= '0;
          tbl_idx_q  <= '0;
          sum_card_q <= '0;
        end
        S_DONE:    state_q <= S_IDLE;
        S_DISCARD: if (fire && s_axis_tlast_i) state_q <= S_DONE;
        S_STRIDE: begin
          fold_primed_q <= 1'b1;
          if (fold_primed_q && stride_j_q != 0) fold_half_q <= !fold_half_q;
          if (folding) stride_j_q <= stride_j_q - 4'd1;
          else if (fold_primed_q && stride_j_q == 0) state_q <= S_DESC;   // slice_bad_q is final next cycle
        end
        S_DESC: begin
          var_q   <= var_q + 1'b1;
          state_q <= (32'(var_q) + 1 == 32'(n_vars_q)) ? S_TABLE : S_D0;
        end
        S_WCHECK: begin
          wcheck_q <= wcheck_q + 2'd1;
          if (wcheck_q == 2'd3) state_q <= S_SEED_LO;
        end
        default: if (fire) begin   // a word that passed its checks
          state_q <= next_state(state_q, w == OP_INFO, tbl_idx_q + 1'b1 == tw_q, desc_last);
          if (state_q == S_OPCODE) info_q <= w == OP_INFO;
          if (state_q == S_TABLE)  tbl_idx_q <= tbl_idx_q + 1'b1;
          if (state_q == S_D0)     sum_card_q <= sum_card_q + 12'(w_card);
          if (state_q == S_D2)     pj_q <= '0;
          if (state_q == S_DP)     pj_q <= pj_q + 4'd1;
          if (desc_last) begin
            d3_last_q     <= s_axis_tlast_i;
            stride_j_q    <= n_par_q;
            fold_primed_q <= 1'b0;
            fold_half_q   <= 1'b0;
          end
          if (state_q == S_WINDOW) begin
            wlast_q  <= s_axis_tlast_i;
            wcheck_q <= '0;
          end
        end
      endcase
    end
  end

  // Datapath registers of the word just accepted.
  always_ff @(posedge clk_i) begin
    if (fire) begin
      unique case (state_q)
        S_NVARS:   n_vars_q <= (VW+1)'(w);
        S_TW:      tw_q     <= (TAW+1)'(w);
        S_D0: begin
          // Within the build's limits after the word's check.
          card_q   <= w_card[4:0];
          n_par_q  <= w_npar[3:0];
          card_mem[var_q[VIW-1:0]] <= w_card[4:0];
          parent_q <= '0;
        end
        S_D1: begin
          ev_q     <= w_ev;
          estate_q <= w_estate[KW-1:0];
        end
        S_D2: begin
          base_q     <= w[TAW-1:0];
          base_big_q <= w[31:TAW] != '0;
          // Words per row: one NL for evidence, card - 1 thresholds otherwise.
          size_q <= ev_q ? (TAW+2)'(1) : (TAW+2)'(card_q - 5'd1);
        end
        S_DP:      parent_q[pj_q[2:0]] <= w[7:0];
        S_SAMPLES: samples_o <= w;
        S_WINDOW:  window_o  <= NW'(w);
        S_SEED_LO: seed_o[31:0]  <= w;
        S_SEED_HI: seed_o[63:32] <= w;
        S_RMAX:    rmax_o <= w[15:0];
        default:   ;
      endcase
    end
    // Fold the parents in from the last one: stride[j] = words per row * Π_{l>j} card[p_l].
    fold_card_q <= card_mem[parent_q[fetch_j][VIW-1:0]];
    fold_prod_q <= size_q * fold_card_q;
    if (folding) begin
      stride_q[fold_j] <= size_q[TAW-1:0];
      size_q <= size_next;
    end
    if (desc_last && fire) stride_q <= '0;
    // Slice check after the strides are folded in (the check of the descriptor's last word).
    slice_bad_q <= base_big_q || {2'b00, base_q} + size_q > {1'b0, tw_q};
  end

  assign desc_we_o  = state_q == S_DESC && !slice_bad_q && !d3_last_q;
  assign desc_idx_o = var_q;
  always_comb begin
    desc_o.ev     = ev_q;
    desc_o.estate = estate_q;
    desc_o.card   = card_q;
    desc_o.base   = base_q;
    for (int j = 0; j < PMAX; j++) desc_o.parent[j] = parent_q[j][VW-1:0];
    desc_o.stride = stride_q;
  end
  assign desc_size_o     = size_q[TAW:0];

  // Table words go to every lane's banks a cycle after they arrive (a register
  // between the stream and the P * 16 block RAMs; the table is read only after
  // the frame's last word).
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) tbl_we_o <= 1'b0;
    else         tbl_we_o <= fire && state_q == S_TABLE;
  end
  always_ff @(posedge clk_i) begin
    tbl_waddr_o <= tbl_idx_q[TAW-1:0];
    tbl_wdata_o <= w[16:0];
  end

  assign done_o       = state_q == S_DONE;
  assign status_o     = status_q;
  assign info_o       = info_q;
  assign n_vars_o     = n_vars_q;
  assign sum_card_o   = sum_card_q;
  assign card_rdata_o = card_mem[card_raddr_i[VIW-1:0]];

endmodule
