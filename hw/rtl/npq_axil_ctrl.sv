// AXI4-Lite slave with the Vitis HLS ap_ctrl_hs register layout (spec §5):
//   0x00 CTRL  bit 0 ap_start (self-clearing on ap_ready unless auto_restart),
//              bit 1 ap_done (clear on read), bit 2 ap_idle, bit 3 ap_ready,
//              bit 7 auto_restart
//   0x04 GIE   bit 0
//   0x08 IER   bit 0 ap_done, bit 1 ap_ready
//   0x0C ISR   same bits, toggle on write
//   0x10 STATUS       status code of the last frame
//   0x14 STATUS_CTRL  bit 0 STATUS valid (clear on read)
// ap_start_o is the ap_ctrl_hs level: the core takes it when it is idle and
// answers with a one-cycle ap_ready_i; ap_done_i is a one-cycle pulse at the end.
// Registers are word-aligned and hold at most 8 bits: the byte-offset address
// bits and strobes 1..3 are ignored, hence the UNUSEDSIGNAL waiver on those ports.
module npq_axil_ctrl (
  input  logic        clk_i,
  input  logic        rst_ni,
  /* verilator lint_off UNUSEDSIGNAL */
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
  /* verilator lint_on UNUSEDSIGNAL */
  input  logic        s_axil_arvalid_i,
  output logic        s_axil_arready_o,
  output logic [31:0] s_axil_rdata_o,
  output logic [1:0]  s_axil_rresp_o,
  output logic        s_axil_rvalid_o,
  input  logic        s_axil_rready_i,
  output logic        ap_start_o,
  input  logic        ap_ready_i,
  input  logic        ap_done_i,
  input  logic        ap_idle_i,
  input  logic [3:0]  status_i,
  input  logic        status_valid_i,  // one-cycle pulse: latch status_i
  output logic        interrupt_o
);
  localparam logic [5:0] ADDR_CTRL        = 6'h00;
  localparam logic [5:0] ADDR_GIE         = 6'h04;
  localparam logic [5:0] ADDR_IER         = 6'h08;
  localparam logic [5:0] ADDR_ISR         = 6'h0C;
  localparam logic [5:0] ADDR_STATUS      = 6'h10;
  localparam logic [5:0] ADDR_STATUS_CTRL = 6'h14;

  logic       start_q, done_q, auto_restart_q, gie_q, status_vld_q;
  logic [1:0] ier_q, isr_q;
  logic [3:0] status_q;

  // Write channel: address and data are taken together, one response at a time.
  logic write_fire;
  assign write_fire       = s_axil_awvalid_i && s_axil_wvalid_i && !s_axil_bvalid_o;
  assign s_axil_awready_o = write_fire;
  assign s_axil_wready_o  = write_fire;
  assign s_axil_bresp_o   = 2'b00;

  logic [5:0] waddr;
  assign waddr = {s_axil_awaddr_i[5:2], 2'b00};

  logic write_ctrl, write_isr;
  assign write_ctrl = write_fire && waddr == ADDR_CTRL && s_axil_wstrb_i[0];
  assign write_isr  = write_fire && waddr == ADDR_ISR && s_axil_wstrb_i[0];

  // Read channel: one outstanding read; clear-on-read bits clear on the address handshake.
  logic read_fire;
  assign read_fire        = s_axil_arvalid_i && !s_axil_rvalid_o;
  assign s_axil_arready_o = read_fire;
  assign s_axil_rresp_o   = 2'b00;

  logic [5:0] raddr;
  assign raddr = {s_axil_araddr_i[5:2], 2'b00};

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      s_axil_bvalid_o <= 1'b0;
      s_axil_rvalid_o <= 1'b0;
      s_axil_rdata_o  <= '0;
      start_q         <= 1'b0;
      done_q          <= 1'b0;
      auto_restart_q  <= 1'b0;
      gie_q           <= 1'b0;
      ier_q           <= '0;
      isr_q           <= '0;
      status_q        <= '0;
      status_vld_q    <= 1'b0;
    end else begin
      if (write_fire) s_axil_bvalid_o <= 1'b1;
      else if (s_axil_bready_i) s_axil_bvalid_o <= 1'b0;

      if (read_fire) begin
        s_axil_rvalid_o <= 1'b1;
        unique case (raddr)
          ADDR_CTRL:        s_axil_rdata_o <= {24'd0, auto_restart_q, 3'd0, ap_ready_i, ap_idle_i,
                                               done_q, start_q};
          ADDR_GIE:         s_axil_rdata_o <= {31'd0, gie_q};
          ADDR_IER:         s_axil_rdata_o <= {30'd0, ier_q};
          ADDR_ISR:         s_axil_rdata_o <= {30'd0, isr_q};
          ADDR_STATUS:      s_axil_rdata_o <= {28'd0, status_q};
          ADDR_STATUS_CTRL: s_axil_rdata_o <= {31'd0, status_vld_q};
          default:          s_axil_rdata_o <= '0;
        endcase
      end else if (s_axil_rready_i) begin
        s_axil_rvalid_o <= 1'b0;
      end

      // ap_start: set by the host, cleared when the core takes it (unless auto_restart).
      if (write_ctrl && s_axil_wdata_i[0]) start_q <= 1'b1;
      else if (ap_ready_i && !auto_restart_q) start_q <= 1'b0;
      if (write_ctrl) auto_restart_q <= s_axil_wdata_i[7];

      // ap_done: a new completion wins over a read in the same cycle.
      if (ap_done_i) done_q <= 1'b1;
      else if (read_fire && raddr == ADDR_CTRL) done_q <= 1'b0;

      if (write_fire && waddr == ADDR_GIE && s_axil_wstrb_i[0]) gie_q <= s_axil_wdata_i[0];
      if (write_fire && waddr == ADDR_IER && s_axil_wstrb_i[0]) ier_q <= s_axil_wdata_i[1:0];
      for (int unsigned i = 0; i < 2; i++) begin
        if ((i == 0 ? ap_done_i : ap_ready_i) && ier_q[i]) isr_q[i] <= 1'b1;
        else if (write_isr && s_axil_wdata_i[i]) isr_q[i] <= !isr_q[i];
      end

      if (status_valid_i) begin
        status_q     <= status_i;
        status_vld_q <= 1'b1;
      end else if (read_fire && raddr == ADDR_STATUS_CTRL) begin
        status_vld_q <= 1'b0;
      end
    end
  end

  assign ap_start_o  = start_q;
  assign interrupt_o = gie_q && (|isr_q);
endmodule
