// bn_sampler: importance sampling with Poisson-spiking sample neurons on a
// discrete Bayesian network (docs/spec.md §2, §4, §5). SystemVerilog twin of the
// HLS kernel, with its interface: AXI4-Lite ap_ctrl_hs slave, AXI4-Stream in
// and out, P lanes of BATCH sample neurons each.
//
// bn_loader reads and checks the input frame and fills the descriptors and the
// lanes' table copies; bn_ctrl runs the OFFSET pass and the lockstep schedule;
// one npq_stream_seed, shared by the lanes, seeds the streams of the next round;
// each bn_lane samples its batch; bn_counts adds the lanes' per-state sums into
// one count memory, which bn_drain writes out as the output frame.
module bn_sampler
  import bn_base_pkg::*;
#(
  parameter int unsigned P           = 4,
  parameter int unsigned V_MAX       = 128,
  parameter int unsigned CARD_MAX    = 16,
  parameter int unsigned PARENTS_MAX = 8,
  parameter int unsigned TABLE_MAX   = 32768,
  parameter int unsigned T_MAX       = 1 << 20
) (
  input  logic        clk_i,
  input  logic        rst_ni,
  input  logic [5:0]  s_axil_awaddr_i,
  input  logic        s_axil_awvalid_i,
  output logic        s_axil_awready_o,
  input  logic [31:0] s_axil_wdata_i,
  input  logic [3:0]  s_axil_wstrb_i,
  input  logic        s_axil_wvalid_i,
  output logic        s_axil_wready_o,
  output logic [1:0]  s_axil_bresp_o,
  output logic        s_axil_bvalid_o,
  input  logic        s_axil_bready_i,
  input  logic [5:0]  s_axil_araddr_i,
  input  logic        s_axil_arvalid_i,
  output logic        s_axil_arready_o,
  output logic [31:0] s_axil_rdata_o,
  output logic [1:0]  s_axil_rresp_o,
  output logic        s_axil_rvalid_o,
  input  logic        s_axil_rready_i,
  input  logic [31:0] s_axis_tdata_i,
  input  logic        s_axis_tvalid_i,
  output logic        s_axis_tready_o,
  input  logic        s_axis_tlast_i,
  output logic [31:0] m_axis_tdata_o,
  output logic        m_axis_tvalid_o,
  input  logic        m_axis_tready_i,
  output logic        m_axis_tlast_o,
  output logic        interrupt_o
);
  import npq_pkg::*;

  // Widths in bn_base_pkg are sized for the spec's limits; a build may only lower them.
  if (P < 1 || V_MAX > BN_V_MAX || CARD_MAX > BN_CARD_MAX || PARENTS_MAX > BN_PARENTS_MAX
      || TABLE_MAX > BN_TABLE_MAX || TABLE_MAX < 32 || T_MAX > BN_T_MAX || BATCH < CARD_MAX)
  begin : g_bad_params
    $error("bn_sampler: parameters beyond the spec limits (docs/spec.md §2.4)");
  end

  logic ap_start, ap_ready, ap_done, ap_idle, status_valid;

  logic            load_start, load_done, load_info;
  status_e         load_status;
  logic [VW:0]     n_vars;
  logic [11:0]     sum_card;
  logic            desc_we;
  logic [VW-1:0]   desc_idx;
  var_desc_t       desc;
  logic [TAW:0]    desc_size;
  logic [VW-1:0]   card_raddr;
  logic [4:0]      card_rdata;
  logic            tbl_we;
  logic [TAW-1:0]  tbl_waddr;
  logic [16:0]     tbl_wdata;
  logic [31:0]     samples;
  logic [NW-1:0]   window;
  logic [63:0]     seed;
  logic [15:0]     rmax;

  cmd_t                 cmd;
  logic [P-1:0][BW:0]   n_active;
  logic [LW-1:0]        offset;
  logic [TKW-1:0]       tk;
  logic                 win_start, win_busy_q, win_half;
  logic [1:0]           win_sbank;
  logic [P-1:0]         win_busy;
  logic                 seed_valid;
  logic [1:0]           seed_sbank;
  localparam int unsigned SLW = BW + ((P > 1) ? $clog2(P) : 1);   // a seed slot: l * BATCH + b
  logic [31:0]          seed_id;
  logic [SLW-1:0]       seed_slot;
  logic                 seeded_valid;
  logic [31:0]          seeded_id;
  logic [SLW-1:0]       seeded_slot;
  logic [127:0]         seeded_state;
  logic                 tbl_ext;
  logic [TAW-1:0]       tbl_ext_addr;
  logic [P-1:0][16:0]   tbl_rdata;
  logic                 flush_busy;
  logic [P-1:0]         flush_valid, flush_rfirst;
  logic [P-1:0][CAW-1:0] flush_addr;
  logic [P-1:0][NW+BW-1:0] flush_add;
  logic                 drain_start, drain_done;
  logic [CAW-1:0]       cnt_raddr;
  logic [CW-1:0]        cnt_rdata;

  npq_axil_ctrl u_axil (
    .clk_i, .rst_ni,
    .s_axil_awaddr_i, .s_axil_awvalid_i, .s_axil_awready_o,
    .s_axil_wdata_i, .s_axil_wstrb_i, .s_axil_wvalid_i, .s_axil_wready_o,
    .s_axil_bresp_o, .s_axil_bvalid_o, .s_axil_bready_i,
    .s_axil_araddr_i, .s_axil_arvalid_i, .s_axil_arready_o,
    .s_axil_rdata_o, .s_axil_rresp_o, .s_axil_rvalid_o, .s_axil_rready_i,
    .ap_start_o     (ap_start),
    .ap_ready_i     (ap_ready),
    .ap_done_i      (ap_done),
    .ap_idle_i      (ap_idle),
    .status_i       (load_status),
    .status_valid_i (status_valid),
    .interrupt_o
  );

  bn_loader #(
    .V_MAX(V_MAX), .CARD_MAX(CARD_MAX), .PARENTS_MAX(PARENTS_MAX),
    .TABLE_MAX(TABLE_MAX), .T_MAX(T_MAX)
  ) u_loader (
    .clk_i, .rst_ni,
    .start_i         (load_start),
    .s_axis_tdata_i, .s_axis_tvalid_i, .s_axis_tready_o, .s_axis_tlast_i,
    .done_o          (load_done),
    .status_o        (load_status),
    .info_o          (load_info),
    .n_vars_o        (n_vars),
    .sum_card_o      (sum_card),
    .desc_we_o       (desc_we),
    .desc_idx_o      (desc_idx),
    .desc_o          (desc),
    .desc_size_o     (desc_size),
    .card_raddr_i    (card_raddr),
    .card_rdata_o    (card_rdata),
    .tbl_we_o        (tbl_we),
    .tbl_waddr_o     (tbl_waddr),
    .tbl_wdata_o     (tbl_wdata),
    .samples_o       (samples),
    .window_o        (window),
    .seed_o          (seed),
    .rmax_o          (rmax)
  );

  bn_ctrl #(.P(P), .V_MAX(V_MAX), .SLW(SLW)) u_ctrl (
    .clk_i, .rst_ni,
    .ap_start_i      (ap_start),
    .ap_ready_o      (ap_ready),
    .ap_done_o       (ap_done),
    .ap_idle_o       (ap_idle),
    .status_valid_o  (status_valid),
    .load_start_o    (load_start),
    .load_done_i     (load_done),
    .load_ok_run_i   (load_status == STATUS_OK && !load_info),
    .n_vars_i        (n_vars),
    .desc_we_i       (desc_we),
    .desc_idx_i      (desc_idx),
    .desc_i          (desc),
    .desc_size_i     (desc_size),
    .samples_i       (samples),
    .window_i        (window),
    .win_busy_i      (win_busy_q),
    .cmd_o           (cmd),
    .n_active_o      (n_active),
    .offset_o        (offset),
    .tk_o            (tk),
    .win_start_o     (win_start),
    .win_half_o      (win_half),
    .win_sbank_o     (win_sbank),
    .seed_valid_o    (seed_valid),
    .seed_sbank_o    (seed_sbank),
    .seed_id_o       (seed_id),
    .seed_slot_o     (seed_slot),
    .tbl_ext_o       (tbl_ext),
    .tbl_ext_addr_o  (tbl_ext_addr),
    .tbl_rdata_i     (tbl_rdata[0][15:0]),
    .flush_busy_i    (flush_busy),
    .drain_start_o   (drain_start),
    .drain_done_i    (drain_done)
  );

  // splitmix64 is a few 64-bit products (DSP slices): one seeder, not one per lane.
  npq_stream_seed u_seed (
    .clk_i, .rst_ni,
    .valid_i (seed_valid),
    .seed_i  (seed),
    .id_i    (seed_id),
    .valid_o (seeded_valid),
    .id_o    (seeded_id),
    .state_o (seeded_state)
  );

  // The slot of each request, delayed as long as its state (lane l takes the
  // states of slots l * BATCH + b).
  logic [SLW-1:0] slot_q [SEED_LATENCY];
  always_ff @(posedge clk_i) begin
    slot_q[0] <= seed_slot;
    for (int unsigned i = 1; i < SEED_LATENCY; i++) slot_q[i] <= slot_q[i-1];
  end
  assign seeded_slot = slot_q[SEED_LATENCY-1];

  // Lanes 2m and 2m + 1 share table copy m through its two ports (an odd P leaves
  // the last copy's port B unused).
  localparam int unsigned PAIRS = (P + 1) / 2;
  logic [2*PAIRS-1:0][(1<<KW)-1:0][TAW-KW-1:0] bank_row;
  logic [2*PAIRS-1:0][(1<<KW)-1:0][16:0]       bank_word;

  for (genvar m = 0; m < PAIRS; m++) begin : g_pair
    bn_table_pair #(.TABLE_MAX(TABLE_MAX)) u_table (
      .clk_i,
      .we_i     (tbl_we),
      .waddr_i  (tbl_waddr),
      .wdata_i  (tbl_wdata),
      .row_a_i  (bank_row[2*m]),
      .row_b_i  (bank_row[2*m+1]),
      .word_a_o (bank_word[2*m]),
      .word_b_o (bank_word[2*m+1])
    );
  end
  if (P % 2 == 1) begin : g_odd
    logic unused_port_b;
    assign bank_row[P]   = '0;
    assign unused_port_b = ^bank_word[P];
  end

  for (genvar l = 0; l < P; l++) begin : g_lane
    bn_lane #(.TABLE_MAX(TABLE_MAX), .V_MAX(V_MAX)) u_lane (
      .clk_i, .rst_ni,
      .bank_row_o     (bank_row[l]),
      .bank_word_i    (bank_word[l]),
      .tbl_ext_i      (tbl_ext),
      .tbl_ext_addr_i (tbl_ext_addr),
      .tbl_rdata_o    (tbl_rdata[l]),
      .seed_we_i      (seeded_valid && seeded_slot[SLW-1:BW] == (SLW - BW)'(l)),
      .seed_sbank_i   (seed_sbank),
      .seed_b_i       (seeded_slot[BW-1:0]),
      .seed_state_i   (seeded_state),
      .cmd_i          (cmd),
      .n_active_i     (n_active[l]),
      .offset_i       (offset),
      .rmax_i         (rmax),
      .tk_i           (tk),
      .window_i       (window),
      .win_start_i    (win_start),
      .win_half_i     (win_half),
      .win_sbank_i    (win_sbank),
      .win_busy_o     (win_busy[l]),
      .flush_valid_o  (flush_valid[l]),
      .flush_addr_o   (flush_addr[l]),
      .flush_rfirst_o (flush_rfirst[l]),
      .flush_add_o    (flush_add[l])
    );
  end

  // One count memory: the lanes flush in lockstep, so lane 0's control serves all.
  bn_counts #(.P(P), .V_MAX(V_MAX)) u_counts (
    .clk_i, .rst_ni,
    .flush_valid_i  (flush_valid[0]),
    .flush_addr_i   (flush_addr[0]),
    .flush_rfirst_i (flush_rfirst[0]),
    .flush_add_i    (flush_add),
    .busy_o         (flush_busy),
    .raddr_i        (cnt_raddr),
    .rdata_o        (cnt_rdata)
  );

  // Whether some lane's Poisson unit still runs, registered (the OR spans the lanes).
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) win_busy_q <= 1'b0;
    else         win_busy_q <= |win_busy;
  end

  // Only lane 0's table read port serves the OFFSET pass (NL values are 16 bits);
  // the lanes take the seeder's states by slot, not by id.
  logic unused_ok;
  if (P > 1) begin : g_unused_rdata
    assign unused_ok = ^{tbl_rdata[0][16], tbl_rdata[P-1:1], seeded_id, flush_valid[P-1:1],
                         flush_addr[P-1:1], flush_rfirst[P-1:1]};
  end else begin : g_unused_rdata
    assign unused_ok = ^{tbl_rdata[0][16], seeded_id};
  end

  bn_drain #(
    .P(P), .V_MAX(V_MAX), .CARD_MAX(CARD_MAX), .PARENTS_MAX(PARENTS_MAX),
    .TABLE_MAX(TABLE_MAX), .T_MAX(T_MAX)
  ) u_drain (
    .clk_i, .rst_ni,
    .start_i        (drain_start),
    .done_o         (drain_done),
    .status_i       (load_status),
    .info_i         (load_info),
    .n_vars_i       (n_vars),
    .sum_card_i     (sum_card),
    .card_raddr_o   (card_raddr),
    .card_rdata_i   (card_rdata),
    .cnt_raddr_o    (cnt_raddr),
    .cnt_rdata_i    (cnt_rdata),
    .m_axis_tdata_o, .m_axis_tvalid_o, .m_axis_tready_i, .m_axis_tlast_o
  );

endmodule
