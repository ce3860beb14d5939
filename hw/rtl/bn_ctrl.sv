// Controller of bn_sampler: ap_ctrl_hs handshake, the OFFSET pass and the
// lockstep schedule every lane follows (docs/spec.md §2.2, §2.3).
//
// A run is cut into rounds of P * BATCH sample neurons; lane l takes samples
// round_base + l * BATCH + b, b < BATCH. One issue slot per cycle:
//   for i < V: for b < BATCH      (variable loop)
//   for b < BATCH                 (threshold step: Λ of every sample)
// As the threshold step of round j ends, every lane's Poisson unit starts the
// windows of round j (bn_poisson: its samples one after the other) and the issue
// slots go on with round j + 1: the windows of a round run beside the next
// round's variable loop. Round j + 1's threshold step waits until the units are
// done with round j (it rewrites the Λ they read), so a round takes
// max(BATCH * (V + 1) + 1, the previous round's slowest unit + 19) cycles
// (docs/rtl.md, board.frames.bn_run_cycles).
// Memories by round: x and the spike counts n in two banks (round parity, `half`),
// the stream states in three (round index mod 3, `sbank`): the variable loop of
// round j draws from bank j mod 3 while the units of round j - 1 read bank
// (j - 1) mod 3 and the seeder fills bank (j + 1) mod 3.
// The readout of round j rides on the variable loop of round j + 2 (its x bank is
// the one that loop overwrites, its n were written by the units during round
// j + 1); two final readout passes (for i < V: for b < BATCH) close the run: the
// second-last round's beside the last round's windows, then the last round's.
// The stream states of round j + 1 are seeded while round j runs, by one seeder
// shared by all lanes: P * BATCH requests, one per cycle, ready after
// P * BATCH + SEED_LATENCY + 2 cycles. That hides behind a round when
// V + 1 > P; otherwise the next round waits for its seeds (S_ROUND), and round 0
// waits for whatever of them the OFFSET pass does not cover. The schedule, and so
// every output, stays the same.
module bn_ctrl
  import bn_base_pkg::*;
#(
  parameter int unsigned P     = 4,
  parameter int unsigned V_MAX = 128,
  parameter int unsigned SLW   = BW + ((P > 1) ? $clog2(P) : 1)   // bits of a seed slot
) (
  input  logic               clk_i,
  input  logic               rst_ni,
  // ap_ctrl_hs
  input  logic               ap_start_i,
  output logic               ap_ready_o,
  output logic               ap_done_o,
  output logic               ap_idle_o,
  output logic               status_valid_o,
  // loader
  output logic               load_start_o,
  input  logic               load_done_i,
  input  logic               load_ok_run_i,     // a valid RUN frame
  input  logic [VW:0]        n_vars_i,
  input  logic               desc_we_i,
  input  logic [VW-1:0]      desc_idx_i,
  input  var_desc_t          desc_i,
  input  logic [TAW:0]       desc_size_i,
  input  logic [31:0]        samples_i,
  input  logic [NW-1:0]      window_i,
  input  logic               win_busy_i,        // some lane's Poisson unit runs (registered)
  // lanes
  output cmd_t               cmd_o,
  output logic [P-1:0][BW:0] n_active_o,
  output logic [LW-1:0]      offset_o,
  output logic [TKW-1:0]     tk_o,              // T * LOG2E_Q16
  output logic               win_start_o,
  output logic               win_half_o,        // the banks of the round the units run,
  output logic [1:0]         win_sbank_o,       // held until they start the next round
  output logic               seed_valid_o,
  output logic [1:0]         seed_sbank_o,
  output logic [31:0]        seed_id_o,         // stream id of the request
  output logic [SLW-1:0]     seed_slot_o,       // its lane l and sample b: l * BATCH + b
  output logic               tbl_ext_o,
  output logic [TAW-1:0]     tbl_ext_addr_o,
  input  logic [15:0]        tbl_rdata_i,     // NL bits of lane 0's table read
  input  logic               flush_busy_i,
  // output frame
  output logic               drain_start_o,
  input  logic               drain_done_i
);
  import npq_pkg::*;

  localparam int unsigned ROUND     = P * BATCH;      // samples per round
  localparam int unsigned SEED_END  = ROUND + SEED_LATENCY + 2;   // + the request register
  localparam int unsigned SKW       = $clog2(SEED_END + 1);   // seed request counter
  localparam int unsigned DRAIN_LAT = 4;              // issue to the lanes' flush_busy
  // Cycles from an OFFSET-pass read (o_issue) to its word on tbl_rdata_i: the
  // address is registered here, enters bn_lane at its stage S, the banks are read
  // in R, their words registered in D, the row's first word in G.
  localparam int unsigned TBL_LAT   = 5;
  localparam int unsigned VIW       = (V_MAX > 1) ? $clog2(V_MAX) : 1;   // variable index bits used

  // The window starts as the threshold step's last slot leaves: a unit reads sample
  // b's Λ at least b + 2 cycles later, and the slot of b wrote it 10 cycles after
  // its issue (lane stages A B P Q S R D G W X), 5 - b cycles before that: 7 cycles
  // before the read at the latest.
  // BUSY_LAT: cycles from win_start_o to the lanes' busy flags seen here (the
  // unit's state, then the OR's register in bn_sampler).
  localparam int unsigned BUSY_LAT  = 2;

  typedef enum logic [3:0] {
    S_IDLE, S_LOAD, S_OFFSET, S_OFFSET_TAIL, S_ROUND, S_VAR, S_WAIT_UNITS, S_THRESH,
    S_FINAL, S_FINAL_WAIT, S_SETTLE, S_OUT
  } state_e;

  state_e        state_q;

  // Plain words, not var_desc_t: yosys (0.70) drops the unpacked dimension of an
  // array of packed structs, which made this one 210-bit register.
  logic [$bits(desc_i)-1:0] desc_mem [2**VIW];
  logic [TAW:0]  size_mem  [2**VIW];

  logic unused_ok;   // variable indices above the build's V_MAX do not occur
  assign unused_ok = ^desc_idx_i;

  always_ff @(posedge clk_i) begin
    if (desc_we_i) begin
      desc_mem[desc_idx_i[VIW-1:0]]  <= desc_i;
      size_mem[desc_idx_i[VIW-1:0]]  <= desc_size_i;
    end
  end

  logic [BW-1:0] b_q;
  logic [VW-1:0] i_q;
  logic [1:0]    wait_q;           // S_FINAL_WAIT: cycles left before the busy flags count
  logic [32:0]   round_base_q;     // first sample of the current round
  logic          half_q;           // round parity (x and n banks)
  logic [1:0]    sbank_q;          // round index mod 3 (stream-state bank)
  logic [1:0]    rounds_q;         // variable loops done in this run, up to 2: at 2 the
                                   // round two back awaits its readout
  logic          fin_half_q;       // the bank a final readout pass reads
  logic          fin_last_q;       // the final pass is the last round's
  logic          rfirst_q;         // no readout pass has completed yet
  logic [2:0]    settle_q;

  var_desc_t     d_cur;
  logic          last_b, last_var, last_round;

  assign d_cur        = desc_mem[i_q[VIW-1:0]];
  assign last_b       = b_q == BW'(BATCH - 1);
  assign last_var     = {1'b0, i_q} == n_vars_i - 1'b1;
  assign last_round   = round_base_q + 33'(ROUND) >= {1'b0, samples_i};

  // ---------------------------------------------------------------- seeding
  logic [SKW-1:0] seed_k_q;
  logic [32:0] seed_base_q;
  logic [1:0]  seed_sbank_q;
  logic        seed_kick;
  logic [32:0] seed_next_base;
  logic        seeds_ready;

  assign seeds_ready    = seed_k_q == SKW'(SEED_END);
  assign seed_sbank_o   = seed_sbank_q;
  assign seed_next_base = seed_base_q + 33'(ROUND);

  // Requests leave through registers: the id's add stays off the seeder's first
  // multiply, and the slot (the id's offset from the round's first) travels
  // beside the seeder in bn_sampler, so that no subtraction picks the lane.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) seed_valid_o <= 1'b0;
    else         seed_valid_o <= seed_k_q < SKW'(ROUND);
  end
  always_ff @(posedge clk_i) begin
    seed_id_o   <= seed_base_q[31:0] + 32'(seed_k_q);
    seed_slot_o <= SLW'(seed_k_q);
  end

  // ---------------------------------------------------------------- OFFSET pass
  // OFFSET = Σ_evidence min_r NL[r], read from lane 0's table copy.
  logic [TAW:0]  orow_q;
  logic [TBL_LAT-1:0] o_valid_q, o_first_q, o_last_q;   // reads in flight, oldest at the top
  logic [15:0]   omin_q;
  logic [LW-1:0] offset_q;
  logic [15:0]   nl_rd, omin_next;
  logic          o_issue, o_last_row;

  assign o_issue    = state_q == S_OFFSET && d_cur.ev;
  assign o_last_row = !d_cur.ev || orow_q + 1'b1 == size_mem[i_q[VIW-1:0]];
  assign nl_rd      = tbl_rdata_i;
  assign omin_next  = (o_first_q[TBL_LAT-1] || nl_rd < omin_q) ? nl_rd : omin_q;

  assign tbl_ext_o      = state_q == S_OFFSET || state_q == S_OFFSET_TAIL;
  assign offset_o       = offset_q;

  always_ff @(posedge clk_i) tbl_ext_addr_o <= d_cur.base + orow_q[TAW-1:0];

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      o_valid_q <= '0;
    end else begin
      o_valid_q <= TBL_LAT'({o_valid_q, o_issue});
    end
  end

  always_ff @(posedge clk_i) begin
    o_first_q <= TBL_LAT'({o_first_q, orow_q == '0});
    o_last_q  <= TBL_LAT'({o_last_q, o_last_row});
    if (o_valid_q[TBL_LAT-1]) begin
      omin_q <= omin_next;
      if (o_last_q[TBL_LAT-1]) offset_q <= offset_q + LW'(omin_next);
    end
    if (state_q == S_LOAD) offset_q <= '0;
  end

  // ---------------------------------------------------------------- schedule
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q      <= S_IDLE;
      seed_k_q     <= SKW'(SEED_END);
      seed_sbank_q <= '0;
      seed_base_q  <= '0;
      b_q          <= '0;
      i_q          <= '0;
      wait_q       <= '0;
      orow_q       <= '0;
      round_base_q <= '0;
      half_q       <= 1'b0;
      sbank_q      <= '0;
      rounds_q     <= '0;
      fin_half_q   <= 1'b0;
      fin_last_q   <= 1'b0;
      rfirst_q     <= 1'b1;
      settle_q     <= '0;
    end else begin
      if (!seeds_ready) seed_k_q <= seed_k_q + 1'b1;
      if (seed_kick) begin
        seed_k_q <= '0;
      end

      unique case (state_q)
        S_IDLE: if (ap_start_i) state_q <= S_LOAD;
        S_LOAD: if (load_done_i) begin
          if (load_ok_run_i) begin
            state_q     <= S_OFFSET;
            i_q         <= '0;
            orow_q      <= '0;
            seed_base_q  <= '0;
            seed_sbank_q <= '0;
            half_q       <= 1'b1;      // toggled as round 0 starts
            rounds_q     <= '0;
            rfirst_q     <= 1'b1;
          end else begin
            state_q <= S_OUT;
          end
        end
        S_OFFSET: begin
          if (o_last_row) begin
            orow_q <= '0;
            i_q    <= last_var ? '0 : i_q + 1'b1;
            if (last_var) state_q <= S_OFFSET_TAIL;
          end else begin
            orow_q <= orow_q + 1'b1;
          end
        end
        S_OFFSET_TAIL: if (o_valid_q == '0) state_q <= S_ROUND;
        S_ROUND: if (seeds_ready) begin
          round_base_q <= seed_base_q;
          half_q       <= !half_q;
          sbank_q      <= seed_sbank_q;
          if (seed_next_base < {1'b0, samples_i}) begin
            seed_base_q  <= seed_next_base;
            seed_sbank_q <= seed_sbank_q == 2'd2 ? 2'd0 : seed_sbank_q + 2'd1;
          end
          state_q <= S_VAR;
        end
        S_VAR: begin
          b_q <= b_q + 1'b1;
          if (last_b) begin
            i_q <= last_var ? '0 : i_q + 1'b1;
            if (last_var) begin
              // The previous round's units started at least BATCH * V cycles ago, so
              // their busy flags are current.
              state_q  <= win_busy_i ? S_WAIT_UNITS : S_THRESH;
              if (rounds_q == 2'd2) rfirst_q <= 1'b0;
              if (rounds_q != 2'd2) rounds_q <= rounds_q + 2'd1;
            end
          end
        end
        S_WAIT_UNITS: if (!win_busy_i) state_q <= S_THRESH;
        S_THRESH: begin
          b_q <= b_q + 1'b1;
          if (last_b) begin
            // The units start this round's windows (win_start_o); the slots go on
            // with the next round or with the final readout of the round before.
            if (!last_round) begin
              state_q <= S_ROUND;
            end else if (rounds_q == 2'd2) begin
              state_q    <= S_FINAL;
              fin_half_q <= !half_q;
              fin_last_q <= 1'b0;
            end else begin
              state_q    <= S_FINAL_WAIT;
              wait_q     <= 2'(BUSY_LAT);
            end
          end
        end
        S_FINAL: begin
          b_q <= b_q + 1'b1;
          if (last_b) begin
            i_q <= last_var ? '0 : i_q + 1'b1;
            if (last_var) begin
              rfirst_q <= 1'b0;
              if (fin_last_q) begin
                state_q  <= S_SETTLE;
                settle_q <= 3'(DRAIN_LAT);
              end else begin
                state_q  <= S_FINAL_WAIT;
                wait_q   <= 2'(BUSY_LAT);
              end
            end
          end
        end
        // The last round's windows end; then its readout.
        S_FINAL_WAIT: begin
          if (wait_q != '0) wait_q <= wait_q - 1'b1;
          else if (!win_busy_i) begin
            state_q    <= S_FINAL;
            fin_half_q <= half_q;
            fin_last_q <= 1'b1;
          end
        end
        S_SETTLE: begin
          if (settle_q != 0) settle_q <= settle_q - 1'b1;
          else if (!flush_busy_i) state_q <= S_OUT;
        end
        S_OUT: if (drain_done_i) state_q <= S_IDLE;
        default: state_q <= S_IDLE;
      endcase
    end
  end

  // Round 0 is seeded during the OFFSET pass, round j + 1 when round j starts.
  assign seed_kick = (state_q == S_LOAD && load_done_i && load_ok_run_i)
                  || (state_q == S_ROUND && seeds_ready && seed_next_base < {1'b0, samples_i});

  // The issue slot goes out through a register: the descriptor read and the
  // schedule's decisions stay off the lanes' memory-address paths.
  cmd_t cmd_next;
  always_comb begin
    cmd_next         = '0;
    cmd_next.valid   = state_q == S_VAR || state_q == S_THRESH || state_q == S_FINAL;
    cmd_next.spike   = state_q == S_THRESH;
    cmd_next.sample  = state_q == S_VAR;
    cmd_next.half    = state_q == S_FINAL ? fin_half_q : half_q;
    cmd_next.sbank   = sbank_q;
    cmd_next.first   = i_q == '0;
    cmd_next.readout = (state_q == S_VAR && rounds_q == 2'd2) || state_q == S_FINAL;
    cmd_next.rfirst  = rfirst_q;
    cmd_next.b       = b_q;
    cmd_next.i       = i_q;
    cmd_next.d       = d_cur;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      cmd_o       <= '0;
      win_start_o <= 1'b0;
      win_half_o  <= 1'b0;
      win_sbank_o <= '0;
    end else begin
      cmd_o       <= cmd_next;
      win_start_o <= state_q == S_THRESH && last_b;
      if (state_q == S_THRESH && last_b) begin
        win_half_o  <= half_q;
        win_sbank_o <= sbank_q;
      end
    end
  end

  // T * LOG2E_Q16 for the lanes' Λ: a constant product, registered (T is fixed
  // long before the first threshold step).
  always_ff @(posedge clk_i) tk_o <= TKW'(window_i) * TKW'(LOG2E_Q16);

  // Samples of each lane that exist (s < S) in the current round; registered (the
  // lanes look at them in the spike loop, long after the round starts).
  always_ff @(posedge clk_i) begin
    for (int l = 0; l < P; l++) begin
      logic [32:0] first;
      first = round_base_q + 33'(l * BATCH);
      if (first >= {1'b0, samples_i})                         n_active_o[l] <= '0;
      else if ({1'b0, samples_i} - first >= 33'(BATCH))       n_active_o[l] <= (BW+1)'(BATCH);
      else                                                    n_active_o[l] <= (BW+1)'(samples_i - first[31:0]);
    end
  end

  assign ap_idle_o      = state_q == S_IDLE;
  assign ap_ready_o     = state_q == S_IDLE && ap_start_i;
  assign load_start_o   = ap_ready_o;
  assign drain_start_o  = state_q == S_LOAD && load_done_i && !load_ok_run_i
                       || state_q == S_SETTLE && settle_q == 0 && !flush_busy_i;
  assign ap_done_o      = state_q == S_OUT && drain_done_i;
  assign status_valid_o = ap_done_o;

endmodule
