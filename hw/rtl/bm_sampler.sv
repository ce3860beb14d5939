// bm_sampler: neural sampling of a Boltzmann machine (docs/spec.md §3), the
// SystemVerilog twin of the HLS kernel. AXI4-Lite ap_ctrl_hs control, one input
// frame per start on s_axis, one output frame on m_axis (spec §4, §5).
//   P      lanes: each neuron's potential is summed over P columns per cycle
//   N_MAX  largest N of this build (weight memory N_MAX^2 words), reported by INFO
//   ENGINE 0 lanes (bm_core), 1 fields (bm_field_core: one neuron update per cycle),
//          2 sparse (bm_sparse_core: U neurons of a colour per cycle, RUN_SPARSE frames
//          only; INFO reports P = U and N_MAX = 0)
//   U, SPARSE_N_MAX, D_MAX   the sparse engine's units and limits (ENGINE = 2)
module bm_sampler #(
  parameter int unsigned P            = 4,
  parameter int unsigned N_MAX        = 256,
  parameter int unsigned TAU_MAX      = npq_pkg::BM_TAU_MAX,
  parameter int unsigned ENGINE       = 0,
  parameter int unsigned U            = 32,
  parameter int unsigned SPARSE_N_MAX = 1024,
  parameter int unsigned D_MAX        = 8
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
  localparam int unsigned KW = $clog2(N_MAX);

  // Power-of-two sizes keep lane and bank addresses plain bit fields.
  if ((P & (P - 1)) != 0 || (N_MAX & (N_MAX - 1)) != 0 || N_MAX < 32 || N_MAX < 2 * P) begin : g_bad
    $error("bm_sampler: P and N_MAX must be powers of two with N_MAX >= 32 and N_MAX >= 2P");
  end
  if (TAU_MAX < 1 || TAU_MAX > npq_pkg::BM_TAU_MAX) begin : g_bad_tau
    $error("bm_sampler: TAU_MAX must be in 1..255");
  end

  logic        ap_start, ap_ready, ap_done, ap_idle, status_valid;
  logic [3:0]  status;

  npq_axil_ctrl u_ctrl (
    .clk_i, .rst_ni,
    .s_axil_awaddr_i, .s_axil_awvalid_i, .s_axil_awready_o,
    .s_axil_wdata_i, .s_axil_wstrb_i, .s_axil_wvalid_i, .s_axil_wready_o,
    .s_axil_bresp_o, .s_axil_bvalid_o, .s_axil_bready_i,
    .s_axil_araddr_i, .s_axil_arvalid_i, .s_axil_arready_o,
    .s_axil_rdata_o, .s_axil_rresp_o, .s_axil_rvalid_o, .s_axil_rready_i,
    .ap_start_o(ap_start), .ap_ready_i(ap_ready), .ap_done_i(ap_done), .ap_idle_i(ap_idle),
    .status_i(status), .status_valid_i(status_valid), .interrupt_o
  );

  logic              core_owns_out, sweep_end;
  logic              f_valid, f_last, c_valid, c_last;
  logic [31:0]       f_data, c_data;

  if (ENGINE != 2) begin : g_dense
    logic [KW:0]       n, free;
    logic [7:0]        tau;
    logic [63:0]       seed;
    logic [31:0]       sweeps, burn_in, thin;
    logic              record;
    logic [N_MAX-1:0]  z_init;
    logic              init, iw_we;
    logic [KW-1:0]     iw_addr;
    logic [31:0]       iw_data;
    logic              w_we, b_we, s_we, s_cs;
    logic [KW-1:0]     w_row, w_col, b_addr, s_addr, s_k;
    logic [15:0]       w_data, b_data;
    logic              core_start, core_done;

    bm_frontend #(.P(P), .N_MAX(N_MAX), .TAU_MAX(TAU_MAX)) u_front (
      .clk_i, .rst_ni,
      .ap_start_i(ap_start), .ap_ready_o(ap_ready), .ap_done_o(ap_done), .ap_idle_o(ap_idle),
      .status_o(status), .status_valid_o(status_valid),
      .s_tdata_i(s_axis_tdata_i), .s_tvalid_i(s_axis_tvalid_i), .s_tready_o(s_axis_tready_o),
      .s_tlast_i(s_axis_tlast_i),
      .o_valid_o(f_valid), .o_data_o(f_data), .o_last_o(f_last), .o_ready_i(m_axis_tready_i),
      .core_owns_out_o(core_owns_out),
      .n_o(n), .free_o(free), .tau_o(tau), .seed_o(seed), .sweeps_o(sweeps),
      .burn_in_o(burn_in), .thin_o(thin), .record_o(record), .z_init_o(z_init),
      .init_o(init), .iw_we_o(iw_we), .iw_addr_o(iw_addr), .iw_data_o(iw_data),
      .w_we_o(w_we), .w_row_o(w_row), .w_col_o(w_col), .w_data_o(w_data),
      .b_we_o(b_we), .b_addr_o(b_addr), .b_data_o(b_data),
      .s_we_o(s_we), .s_addr_o(s_addr), .s_cs_o(s_cs), .s_k_o(s_k),
      .core_start_o(core_start), .core_done_i(core_done)
    );

    // ENGINE 0: the lane engine (row k over P lanes, ~N*N/P cycles per sweep); 1: the
    // field engine (one neuron per cycle, docs/design/bm_throughput.md). Same ports.
    if (ENGINE == 0) begin : g_lanes
      bm_core #(.P(P), .N_MAX(N_MAX)) u_core (
        .clk_i, .rst_ni,
        .n_i(n), .free_i(free), .tau_i(tau), .seed_i(seed), .sweeps_i(sweeps),
        .burn_in_i(burn_in), .thin_i(thin), .record_i(record), .z_init_i(z_init),
        .init_i(init), .iw_we_i(iw_we), .iw_addr_i(iw_addr), .iw_data_i(iw_data),
        .w_we_i(w_we), .w_row_i(w_row), .w_col_i(w_col), .w_data_i(w_data),
        .b_we_i(b_we), .b_addr_i(b_addr), .b_data_i(b_data),
        .s_we_i(s_we), .s_addr_i(s_addr), .s_cs_i(s_cs), .s_k_i(s_k),
        .start_i(core_start), .done_o(core_done), .sweep_end_o(sweep_end),
        .o_valid_o(c_valid), .o_data_o(c_data), .o_last_o(c_last), .o_ready_i(m_axis_tready_i)
      );
    end else begin : g_fields
      bm_field_core #(.N_MAX(N_MAX)) u_core (
        .clk_i, .rst_ni,
        .n_i(n), .free_i(free), .tau_i(tau), .seed_i(seed), .sweeps_i(sweeps),
        .burn_in_i(burn_in), .thin_i(thin), .record_i(record), .z_init_i(z_init),
        .init_i(init), .iw_we_i(iw_we), .iw_addr_i(iw_addr), .iw_data_i(iw_data),
        .w_we_i(w_we), .w_row_i(w_row), .w_col_i(w_col), .w_data_i(w_data),
        .b_we_i(b_we), .b_addr_i(b_addr), .b_data_i(b_data),
        .s_we_i(s_we), .s_addr_i(s_addr), .s_cs_i(s_cs), .s_k_i(s_k),
        .start_i(core_start), .done_o(core_done), .sweep_end_o(sweep_end),
        .o_valid_o(c_valid), .o_data_o(c_data), .o_last_o(c_last), .o_ready_i(m_axis_tready_i)
      );
    end
  end else begin : g_sparse
    localparam int unsigned SK = $clog2(SPARSE_N_MAX);
    localparam int unsigned DW = $clog2(D_MAX);
    logic [SK:0]       n, c;
    logic [DW:0]       d;
    logic [7:0]        tau;
    logic [63:0]       seed;
    logic [31:0]       sweeps, burn_in, thin;
    logic              record, init;
    // bm_sparse_core's z loop: z written in s17, read in s14 by ops issued 4 cycles on
    localparam int unsigned SPARSE_LOOP = 4;
    logic              ord_we, ce_we, fl_we, fl_defer, b_we, l_we, cm_we, cv_we, iw_we;
    logic [SPARSE_LOOP-2:0] fl_hazard;
    logic [SK-1:0]     ord_p, ord_k, ce_c, fl_c, b_p, l_p;
    logic [SK:0]       ce_end;
    logic [15:0]       b_data;
    logic [DW-1:0]     l_slot;
    logic [SK+15:0]    l_data;
    logic [SK-6:0]     cw_addr;
    logic [31:0]       cw_data, iw_data;
    logic [SK-3:0]     iw_addr;
    logic              core_start, core_done;

    bm_sparse_frontend #(.U(U), .N_MAX(SPARSE_N_MAX), .D_MAX(D_MAX), .TAU_MAX(TAU_MAX),
                         .LOOP(SPARSE_LOOP)) u_front (
      .clk_i, .rst_ni,
      .ap_start_i(ap_start), .ap_ready_o(ap_ready), .ap_done_o(ap_done), .ap_idle_o(ap_idle),
      .status_o(status), .status_valid_o(status_valid),
      .s_tdata_i(s_axis_tdata_i), .s_tvalid_i(s_axis_tvalid_i), .s_tready_o(s_axis_tready_o),
      .s_tlast_i(s_axis_tlast_i),
      .o_valid_o(f_valid), .o_data_o(f_data), .o_last_o(f_last), .o_ready_i(m_axis_tready_i),
      .core_owns_out_o(core_owns_out),
      .n_o(n), .c_o(c), .d_o(d), .tau_o(tau), .seed_o(seed), .sweeps_o(sweeps),
      .burn_in_o(burn_in), .thin_o(thin), .record_o(record), .init_o(init),
      .ord_we_o(ord_we), .ord_p_o(ord_p), .ord_k_o(ord_k),
      .ce_we_o(ce_we), .ce_c_o(ce_c), .ce_end_o(ce_end),
      .fl_we_o(fl_we), .fl_c_o(fl_c), .fl_defer_o(fl_defer), .fl_hazard_o(fl_hazard),
      .b_we_o(b_we), .b_p_o(b_p), .b_data_o(b_data),
      .l_we_o(l_we), .l_p_o(l_p), .l_slot_o(l_slot), .l_data_o(l_data),
      .cm_we_o(cm_we), .cv_we_o(cv_we), .cw_addr_o(cw_addr), .cw_data_o(cw_data),
      .iw_we_o(iw_we), .iw_addr_o(iw_addr), .iw_data_o(iw_data),
      .core_start_o(core_start), .core_done_i(core_done)
    );

    bm_sparse_core #(.N_MAX(SPARSE_N_MAX), .U(U), .D_MAX(D_MAX), .LOOP(SPARSE_LOOP)) u_core (
      .clk_i, .rst_ni,
      .n_i(n), .c_i(c), .d_i(d), .tau_i(tau), .seed_i(seed), .sweeps_i(sweeps),
      .burn_in_i(burn_in), .thin_i(thin), .record_i(record), .init_i(init),
      .ord_we_i(ord_we), .ord_p_i(ord_p), .ord_k_i(ord_k),
      .ce_we_i(ce_we), .ce_c_i(ce_c), .ce_end_i(ce_end),
      .fl_we_i(fl_we), .fl_c_i(fl_c), .fl_defer_i(fl_defer), .fl_hazard_i(fl_hazard),
      .b_we_i(b_we), .b_p_i(b_p), .b_data_i(b_data),
      .l_we_i(l_we), .l_p_i(l_p), .l_slot_i(l_slot), .l_data_i(l_data),
      .cm_we_i(cm_we), .cv_we_i(cv_we), .cw_addr_i(cw_addr), .cw_data_i(cw_data),
      .iw_we_i(iw_we), .iw_addr_i(iw_addr), .iw_data_i(iw_data),
      .start_i(core_start), .done_o(core_done), .sweep_end_o(sweep_end),
      .o_valid_o(c_valid), .o_data_o(c_data), .o_last_o(c_last), .o_ready_i(m_axis_tready_i)
    );
  end

  // The front end writes the head (or a whole error/INFO frame), the core the payload.
  assign m_axis_tvalid_o = core_owns_out ? c_valid : f_valid;
  assign m_axis_tdata_o  = core_owns_out ? c_data  : f_data;
  assign m_axis_tlast_o  = core_owns_out ? c_last  : f_last;

  // sweep_end marks the cycle counts of docs/rtl.md; the testbench counts it.
  logic unused_sweep_end;
  assign unused_sweep_end = sweep_end;
endmodule
